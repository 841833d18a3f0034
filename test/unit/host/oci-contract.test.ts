import test from 'ava';
import { FakeOciRuntime, type FakeProgram } from '../../../src/host/oci/fake.js';
import { ociContract, type Program } from '../../contract/oci.case.js';
import { uniq } from '../../helpers/names.js';

// The OCI runtime contract against the fake: each test container's program is looked up
// by its bundle path, the way the real env writes it into config.json.
const programs = new Map<string, Program>();
const BEHAVIOUR: Record<Program, FakeProgram> = {
  sleeper: {},
  stubborn: { ignores: ['SIGTERM'] },
  exit3: { exitOnStart: 3 },
  broken: { createError: 'exec: "/bin/no-such-program": stat /bin/no-such-program: no such file or directory' },
  cat: {},
};
// exec answers `sh -c '...'` scripts the way the contract uses them: echo's output (to stderr
// with `>&2`), exit's code
const echoes = (script: string, toStderr: boolean) =>
  Buffer.from([...script.matchAll(/echo (\w+)( >&2)?/g)].filter((m) => !!m[2] === toStderr).map((m) => `${m[1]}\n`).join(''));
const runtime = new FakeOciRuntime({
  program: (c) => BEHAVIOUR[programs.get(c.bundle) ?? 'sleeper'],
  exec: (_id, cmd) => {
    const script = cmd[cmd.length - 1] ?? '';
    return { stdout: echoes(script, false), stderr: echoes(script, true), exitCode: Number(/exit (\d+)/.exec(script)?.[1] ?? 0) };
  },
});

ociContract(test, {
  name: 'fake',
  runtime,
  async container(_t, program) {
    const dir = `/fake/${uniq()}`;
    const c = { id: uniq('c'), bundle: `${dir}/bundle`, logPath: `${dir}/ctr.log`, stateDir: `${dir}/state` };
    programs.set(c.bundle, program);
    return c;
  },
});
