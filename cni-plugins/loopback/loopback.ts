import type { Netlink } from '../../src/host/netlink/types.js';
import { isNotFound } from '../../src/host/errors.js';
import type { Plugin, PluginContext } from '../../src/cni/skel.js';
import { CniError, ErrorCode, type Result } from '../../src/cni/types.js';

export interface LoopbackDeps {
  netlink: Netlink;
}

/** skiff-loopback: brings lo up in the container's namespace (and down again on DEL). */
export function loopbackPlugin(deps: LoopbackDeps): Plugin {
  return {
    name: 'skiff-loopback',

    async add(ctx: PluginContext): Promise<Result> {
      await deps.netlink.apply([{ op: 'link.set', name: 'lo', up: true }], ctx.args.netns).catch(netnsError(ctx));
      // As the reference: the loopback interface, with its addresses, and no routes.
      const addrs = (await deps.netlink.addrs(ctx.args.netns)).filter((a) => a.dev === 'lo');
      return {
        cniVersion: ctx.version,
        interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: ctx.args.netns }],
        ips: addrs.map((a) => ({ address: a.cidr, interface: 0 })),
      };
    },

    async del(ctx: PluginContext): Promise<void> {
      if (!ctx.args.netns) return;
      await deps.netlink.apply([{ op: 'link.set', name: 'lo', up: false }], ctx.args.netns).catch((err) => {
        if (!isNotFound(err)) throw err; // the namespace is already gone: nothing to undo
      });
    },

    async check(ctx: PluginContext): Promise<void> {
      const lo = (await deps.netlink.links(ctx.args.netns).catch(netnsError(ctx))).find((l) => l.name === 'lo');
      if (!lo?.up) throw new CniError(ErrorCode.IoFailure, 'loopback interface is down', ctx.args.netns);
    },
  };
}

function netnsError(ctx: PluginContext): (err: unknown) => never {
  return (err) => {
    if (isNotFound(err)) throw new CniError(ErrorCode.IoFailure, `failed to open netns "${ctx.args.netns}"`, (err as Error).message);
    throw err;
  };
}
