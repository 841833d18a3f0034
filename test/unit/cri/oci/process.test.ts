import test from 'ava';
import { containerSpec, SpecError } from '../../../../src/cri/oci/spec.js';
import { container, input, sandbox } from './fixture.js';

const image = { Entrypoint: ['/ep'], Cmd: ['cmd1', 'cmd2'] };
const argsCases: [string, string[], string[], typeof image | { Entrypoint?: string[]; Cmd?: string[] }, string[]][] = [
  ['image defaults', [], [], image, ['/ep', 'cmd1', 'cmd2']],
  ['args replace Cmd', [], ['a'], image, ['/ep', 'a']],
  ['command replaces Entrypoint and drops Cmd', ['/c'], [], image, ['/c']],
  ['command and args', ['/c'], ['a'], image, ['/c', 'a']],
  ['Cmd alone', [], [], { Cmd: ['/bin/sh'] }, ['/bin/sh']],
  ['Entrypoint [""] means none', [], [], { Entrypoint: [''], Cmd: ['/x'] }, ['/x']],
];
for (const [name, command, args, img, want] of argsCases) {
  test(`args: ${name}`, (t) => {
    const { spec } = containerSpec(input({ container: container({ command, args }), image: img }));
    t.deepEqual(spec.process.args, want);
  });
}

test('args: nothing to run is an error on the command field', (t) => {
  const err = t.throws(() => containerSpec(input({ container: container(), image: {} })), { instanceOf: SpecError });
  t.is(err?.field, 'command');
});

test('env: default PATH, HOSTNAME, image Env, then CRI envs overriding by name in place', (t) => {
  const c = container({ command: ['/x'], envs: [{ key: 'A', value: 'cri' }, { key: 'C', value: '3' }] });
  const { spec } = containerSpec(input({ container: c, image: { Env: ['A=img', 'B=2'] } }));
  t.deepEqual(spec.process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=web-0', 'A=cri', 'B=2', 'C=3']);
  const withPath = containerSpec(input({ container: c, image: { Env: ['PATH=/bin'] } })).spec.process.env;
  t.is(withPath[0], 'PATH=/bin');
  t.is(withPath.filter((e) => e.startsWith('PATH=')).length, 1);
});

test('env: HOSTNAME falls back to the node hostname when the sandbox names none', (t) => {
  const { spec } = containerSpec(input({ sandbox: sandbox({ hostname: '' }), host: { negativeOomScoreAdj: true, hostname: 'node1' } }));
  t.true(spec.process.env.includes('HOSTNAME=node1'));
});

test('cwd: working_dir, else image WorkingDir, else /', (t) => {
  t.is(containerSpec(input({ container: container({ command: ['/x'], workingDir: '/w' }), image: { WorkingDir: '/img' } })).spec.process.cwd, '/w');
  t.is(containerSpec(input({ image: { WorkingDir: '/img' } })).spec.process.cwd, '/img');
  t.is(containerSpec(input()).spec.process.cwd, '/');
  t.throws(() => containerSpec(input({ container: container({ command: ['/x'], workingDir: 'rel' }) })), { instanceOf: SpecError });
});

test('terminal follows tty', (t) => {
  t.true(containerSpec(input({ container: container({ command: ['/x'], tty: true }) })).spec.process.terminal);
  t.false(containerSpec(input()).spec.process.terminal);
});

const userCases: [string, Parameters<typeof container>[0], string | undefined, { uid: number; gid: number; additionalGids: number[] }][] = [
  ['no user: root, with root\'s groups', {}, undefined, { uid: 0, gid: 0, additionalGids: [0, 10] }],
  ['image user by name', {}, 'app', { uid: 1000, gid: 1000, additionalGids: [1000, 2000] }],
  ['image user uid:gid', {}, '1000:3000', { uid: 1000, gid: 3000, additionalGids: [2000, 3000] }],
  ['image user name:group', {}, 'app:extra', { uid: 1000, gid: 2000, additionalGids: [2000] }],
  ['image uid unknown to passwd: gid 0', {}, '4242', { uid: 4242, gid: 0, additionalGids: [0] }],
  ['run_as_user wins over the image', { sc: { runAsUser: { value: '65534' } } }, 'app', { uid: 65534, gid: 65534, additionalGids: [65534] }],
  ['run_as_username wins over run_as_user', { sc: { runAsUsername: 'app', runAsUser: { value: '0' } } }, undefined, { uid: 1000, gid: 1000, additionalGids: [1000, 2000] }],
  ['run_as_group overrides the passwd gid', { sc: { runAsUser: { value: '1000' }, runAsGroup: { value: '5' } } }, undefined, { uid: 1000, gid: 5, additionalGids: [5, 2000] }],
  ['supplemental groups merged', { sc: { runAsUser: { value: '1000' }, supplementalGroups: ['7', '2000'] } }, undefined, { uid: 1000, gid: 1000, additionalGids: [7, 1000, 2000] }],
  ['policy Strict ignores /etc/group', { sc: { runAsUser: { value: '1000' }, supplementalGroups: ['7'], supplementalGroupsPolicy: 'Strict' } }, undefined, { uid: 1000, gid: 1000, additionalGids: [7, 1000] }],
];
for (const [name, c, imageUser, want] of userCases) {
  test(`user: ${name}`, (t) => {
    const { spec } = containerSpec(input({ container: container({ command: ['/x'], ...c }), image: imageUser ? { User: imageUser } : {} }));
    t.deepEqual(spec.process.user, want);
  });
}

test('user: a name missing from the image is an error naming it', (t) => {
  const err = t.throws(() => containerSpec(input({ image: { User: 'ghost' } })), { instanceOf: SpecError });
  t.is(err?.field, 'user');
  t.regex(err!.message, /ghost/);
  t.throws(() => containerSpec(input({ image: { User: 'app:nogrp' } })), { message: /nogrp/ });
  t.throws(() => containerSpec(input({ image: { User: 'app' }, etcPasswd: undefined })), { message: /app/ });
});

test('user: run_as_group without a CRI user is refused, whatever the image user', (t) => {
  for (const imageUser of [undefined, 'app']) {
    const err = t.throws(() => containerSpec(input({ container: container({ command: ['/x'], sc: { runAsGroup: { value: '5' } } }), image: imageUser ? { User: imageUser } : {} })), { instanceOf: SpecError });
    t.is(err?.field, 'runAsGroup');
    t.regex(err!.message, /user group "5" is specified without user/);
  }
  const { spec } = containerSpec(input({ container: container({ command: ['/x'], sc: { runAsUsername: 'app', runAsGroup: { value: '5' } } }) }));
  t.is(spec.process.user.gid, 5);
});

test('noNewPrivileges follows no_new_privs', (t) => {
  t.true(containerSpec(input({ container: container({ command: ['/x'], sc: { noNewPrivs: true } }) })).spec.process.noNewPrivileges);
  t.false(containerSpec(input()).spec.process.noNewPrivileges);
});
