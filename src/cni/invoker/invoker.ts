import type { PluginRunner } from '../exec.js';
import { cniEnv, outcomeError } from '../exec.js';
import { CniError, ErrorCode, type Attachment, type Command, type NetConf, type NetConfList, type Result } from '../types.js';
import { compareVersions, convertResult, negotiate, parseResult } from '../version.js';
import { trace } from '../../trace.js';
import { ownValue } from '../../own-keys.js';
import { ResultCache } from './cache.js';

/** One attachment of a container to a network, as the runtime knows it. */
export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS pairs (K8S_POD_NAME, K8S_POD_NAMESPACE, IgnoreUnknown...). */
  args?: Record<string, string>;
  /** Capability arguments (portMappings, ips, mac, dns, bandwidth); each plugin gets those it declares. */
  capabilityArgs?: Record<string, unknown>;
}

export interface InvokerDeps {
  runner: PluginRunner;
  /** Plugin directories (CNI_PATH). */
  paths: readonly string[];
  /** Where results are cached (libcni: /var/lib/cni). */
  cacheDir: string;
}

const log = trace('cni');

/**
 * The runtime side of CNI, as libcni does it: runs a configuration list's plugins in order
 * for ADD (each gets the previous result), in reverse for DEL (with the cached result),
 * CHECK against the cached result, STATUS, and GC of attachments the runtime no longer has.
 */
export class CniInvoker {
  private readonly cache: ResultCache;

  constructor(private readonly deps: InvokerDeps) {
    this.cache = new ResultCache(deps.cacheDir);
  }

  /** Adds the attachment; the final result in the list's version. Cached for DEL and CHECK. */
  async add(list: NetConfList, rt: RuntimeConf): Promise<Result> {
    const version = listVersion(list);
    let prev: Result | undefined;
    for (const plugin of list.plugins) {
      const out = await this.exec('ADD', list, plugin, version, rt, prev);
      prev = parseResult(JSON.parse(out), `result of ${plugin.type}`);
    }
    const result = convertResult(prev!, version);
    await this.cache.put({
      kind: 'cniCacheV1', containerId: rt.containerId, ifName: rt.ifname, networkName: list.name, netns: rt.netns,
      config: Buffer.from(JSON.stringify(list)).toString('base64'), cniArgs: Object.entries(rt.args ?? {}), capabilityArgs: rt.capabilityArgs ?? {}, result,
    });
    return result;
  }

  /**
   * Removes the attachment: plugins in reverse, each given the cached result as prevResult
   * (0.4.0 and later). Runs even when the cache or the netns is gone; idempotent.
   */
  async del(list: NetConfList, rt: RuntimeConf): Promise<void> {
    const cached = await this.cache.get(list.name, rt.containerId, rt.ifname);
    const effective = cached ? decodeList(cached.config) ?? list : list;
    const version = listVersion(effective);
    const prev = cached?.result && compareVersions(version, '0.4.0') >= 0 ? convertResult(cached.result, version) : undefined;
    const conf: RuntimeConf = { ...rt, capabilityArgs: rt.capabilityArgs ?? cached?.capabilityArgs };
    for (const plugin of [...effective.plugins].reverse()) await this.exec('DEL', effective, plugin, version, conf, prev);
    await this.cache.remove(list.name, rt.containerId, rt.ifname);
  }

  /** Checks the attachment against its cached result; code 3 when nothing is cached. */
  async check(list: NetConfList, rt: RuntimeConf): Promise<void> {
    const version = listVersion(list);
    if (compareVersions(version, '0.4.0') < 0) throw new CniError(ErrorCode.IncompatibleVersion, 'CHECK needs CNI 0.4.0 or later', `list "${list.name}" is ${version}`);
    if (list.disableCheck) return;
    const cached = await this.cache.get(list.name, rt.containerId, rt.ifname);
    if (!cached?.result) throw new CniError(ErrorCode.UnknownContainer, `no cached result for ${rt.containerId}/${rt.ifname} in network "${list.name}"`);
    const prev = convertResult(cached.result, version);
    for (const plugin of list.plugins) await this.exec('CHECK', list, plugin, version, rt, prev);
  }

  /** Asks each plugin whether it is ready (1.1.0); older lists are taken as ready. */
  async status(list: NetConfList): Promise<void> {
    const version = listVersion(list);
    if (compareVersions(version, '1.1.0') < 0) return;
    for (const plugin of list.plugins) await this.exec('STATUS', list, plugin, version);
  }

  /**
   * Garbage collection: DELs every cached attachment of this network that is not in
   * `valid`, then (1.1.0, unless disableGC) sends GC with the valid list to every plugin,
   * which frees what has no cache entry at all (a crash between ADD and caching).
   */
  async gc(list: NetConfList, valid: readonly Attachment[]): Promise<{ deleted: Attachment[]; errors: CniError[] }> {
    const keep = new Set(valid.map((a) => `${a.containerID}/${a.ifname}`));
    const deleted: Attachment[] = [];
    const errors: CniError[] = [];
    for (const entry of await this.cache.list(list.name)) {
      if (keep.has(`${entry.containerId}/${entry.ifName}`)) continue;
      try {
        await this.del(decodeList(entry.config) ?? list, { containerId: entry.containerId, ifname: entry.ifName, netns: entry.netns ?? '', args: Object.fromEntries(entry.cniArgs ?? []) });
        deleted.push({ containerID: entry.containerId, ifname: entry.ifName });
      } catch (err) {
        errors.push(err instanceof CniError ? err : new CniError(ErrorCode.IoFailure, (err as Error).message));
      }
    }
    const version = listVersion(list);
    if (compareVersions(version, '1.1.0') >= 0 && !list.disableGC) {
      const extra = { 'cni.dev/valid-attachments': valid, 'cni.dev/attachments': valid };
      for (const plugin of list.plugins) {
        try {
          await this.exec('GC', list, plugin, version, undefined, undefined, extra);
        } catch (err) {
          errors.push(err instanceof CniError ? err : new CniError(ErrorCode.IoFailure, (err as Error).message));
        }
      }
    }
    return { deleted, errors };
  }

  /** Runs one plugin of the list; resolves with its stdout, rejects with the error it printed. */
  private async exec(command: Command, list: NetConfList, plugin: NetConf, version: string, rt?: RuntimeConf, prev?: Result, extra: Record<string, unknown> = {}): Promise<string> {
    const conf: NetConf = { ...plugin, ...extra, name: list.name, cniVersion: version };
    delete conf.cniVersions;
    const caps = runtimeConfig(plugin, rt?.capabilityArgs);
    if (caps) conf.runtimeConfig = caps;
    if (prev) conf.prevResult = convertResult(prev, version);
    const env = cniEnv(command, { containerId: rt?.containerId, netns: rt?.netns, ifname: rt?.ifname, args: rt?.args, path: [...this.deps.paths] });
    log(() => `${command} ${list.name}/${plugin.type} ${rt?.containerId ?? ''} ${rt?.ifname ?? ''}`);
    const out = await this.deps.runner.run(plugin.type, env, JSON.stringify(conf), this.deps.paths);
    if (out.exitCode !== 0) throw outcomeError(plugin.type, out);
    return out.stdout;
  }
}

/** The capability arguments a plugin declares (`capabilities: {portMappings: true}`) and the runtime has. */
export function runtimeConfig(plugin: NetConf, capabilityArgs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!plugin.capabilities || !capabilityArgs) return undefined;
  const picked = Object.entries(capabilityArgs).filter(([cap, value]) => plugin.capabilities !== undefined && ownValue(plugin.capabilities, cap) === true && value !== undefined);
  return picked.length ? Object.fromEntries(picked) : undefined;
}

function listVersion(list: NetConfList): string {
  return negotiate(list.cniVersion, list.cniVersions);
}

function decodeList(base64: string): NetConfList | undefined {
  try {
    const list = JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as NetConfList;
    return Array.isArray(list.plugins) ? list : undefined;
  } catch {
    return undefined;
  }
}
