// `npm run bench -- <name>`: runs one benchmark (or all, without a name).
const benches: Record<string, () => Promise<void>> = {
  netlink: async () => (await import('./netlink.js')).run(),
  cni: async () => (await import('./cni.js')).run(),
  cri: async () => (await import('./cri.js')).run(),
  store: async () => (await import('./store.js')).run(),
  'store-churn': async () => (await import('./store-churn.js')).run(),
  'server-churn': async () => (await import('./server-churn.js')).run(),
  apiserver: async () => (await import('./apiserver.js')).run(),
  kubelet: async () => (await import('./kubelet.js')).run(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in benches));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; have: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : Object.keys(benches)) await benches[name]!();
