import { exec, runPod, sleeper, startContainer, type RegisterCases } from './suite.js';

// cri-tools validate/networking.go (DNS) and container.go/security_context.go (hostname,
// env, working dir): what the pod and container configs turn into inside the container.
export const configCases: RegisterCases = (test, fx) => {
  test('DNS config becomes /etc/resolv.conf and the pod hostname is the container hostname', async (t) => {
    const pod = await runPod(t, fx(), {
      hostname: 'skiff-host',
      dnsConfig: { servers: ['10.96.0.10', '10.96.0.11'], searches: ['skiff.svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
    });
    const id = await startContainer(t, fx(), pod, sleeper(fx()));
    const resolv = (await exec(fx(), id, ['cat', '/etc/resolv.conf'])).stdout;
    const lines = resolv.split('\n').map((l) => l.trim()).filter(Boolean);
    t.true(lines.includes('nameserver 10.96.0.10'), resolv);
    t.true(lines.includes('nameserver 10.96.0.11'), resolv);
    t.true(lines.includes('search skiff.svc.cluster.local cluster.local'), resolv);
    t.true(lines.includes('options ndots:5'), resolv);
    t.is((await exec(fx(), id, ['hostname'])).stdout.trim(), 'skiff-host');
    t.true((await exec(fx(), id, ['cat', '/etc/hostname'])).stdout.includes('skiff-host'));
  });

  test('env and working dir reach the process; image env is kept', async (t) => {
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, sleeper(fx(), {
      envs: [{ key: 'GREETING', value: 'hello world' }, { key: 'EMPTY', value: '' }],
      workingDir: '/data',
    }));
    const env = (await exec(fx(), id, ['env'])).stdout.split('\n');
    t.true(env.includes('GREETING=hello world'), env.join('\n'));
    t.true(env.includes('EMPTY='));
    t.true(env.includes('PATH=/bin'), 'from the image config');
    t.is((await exec(fx(), id, ['/bin/sh', '-c', 'pwd'])).stdout.trim(), '/data');
    // The main process runs there too (exec inherits the container's cwd).
    t.is((await exec(fx(), id, ['ls', '/data/old'])).stdout.trim(), 'c', 'the image layers applied with their whiteouts');
  });
};
