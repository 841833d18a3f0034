import { CniError, ErrorCode, type Attachment, type CniArgs, type Command, type NetConf, type Result } from './types.js';
import { CURRENT_VERSION, convertResult, isVersion, negotiate, SUPPORTED_VERSIONS } from './version.js';
import { setOwn } from '../own-keys.js';

// The protocol half of every plugin: CNI_* env and stdin in, a result or an error JSON out,
// with the exit status the spec asks for. Everything is injected, so the whole protocol is
// tested in-process, and the invoker's in-process fast path goes through the same code.

export interface PluginContext {
  args: CniArgs;
  /** The parsed config from stdin. */
  conf: NetConf;
  /** stdin as received: what a plugin passes on to its IPAM delegate. */
  stdin: string;
  /** The negotiated spec version: results are written in it. */
  version: string;
  /** Where the plugin may log (stderr of the executable). */
  log: (line: string) => void;
}

export interface Plugin {
  name: string;
  versions?: readonly string[];
  add(ctx: PluginContext): Promise<Result>;
  del(ctx: PluginContext): Promise<void>;
  check(ctx: PluginContext): Promise<void>;
  /** Readiness (1.1.0); absent means always ready. */
  status?(ctx: PluginContext): Promise<void>;
  /** Frees whatever belongs to attachments not in `valid` (1.1.0); absent means nothing to free. */
  gc?(ctx: PluginContext, valid: readonly Attachment[]): Promise<void>;
}

export interface SkelIO {
  env: Readonly<Record<string, string | undefined>>;
  stdin: string;
  stderr?: (line: string) => void;
}

export interface SkelOutcome {
  exitCode: number;
  stdout: string;
}

/** Which CNI_* variables each command needs (DEL may come after the netns is gone). */
type RequiredVar = 'CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_PATH';
const REQUIRED: ReadonlyMap<string, readonly RequiredVar[]> = new Map<Command, readonly RequiredVar[]>([
  ['ADD', ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH']],
  ['CHECK', ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH']],
  ['DEL', ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH']],
  ['GC', ['CNI_PATH']],
  ['STATUS', ['CNI_PATH']],
  ['VERSION', []],
]);

export async function runSkel(plugin: Plugin, io: SkelIO): Promise<SkelOutcome> {
  const supported = plugin.versions ?? SUPPORTED_VERSIONS;
  let version = CURRENT_VERSION;
  try {
    const args = parseEnv(io.env);
    if (args.command === 'VERSION') return { exitCode: 0, stdout: JSON.stringify(versionInfo(io.stdin, supported)) };
    const conf = parseConf(io.stdin);
    if (isVersion(conf.cniVersion)) version = conf.cniVersion;
    version = negotiate(conf.cniVersion, conf.cniVersions, supported);
    const ctx: PluginContext = { args, conf, stdin: io.stdin, version, log: io.stderr ?? (() => {}) };
    switch (args.command) {
      case 'ADD': {
        const result = await plugin.add(ctx);
        return { exitCode: 0, stdout: JSON.stringify(convertResult(result, version)) };
      }
      case 'DEL': await plugin.del(ctx); break;
      case 'CHECK': await plugin.check(ctx); break;
      case 'STATUS': await plugin.status?.(ctx); break;
      case 'GC': await plugin.gc?.(ctx, validAttachments(conf)); break;
    }
    return { exitCode: 0, stdout: '' };
  } catch (err) {
    const e = err instanceof CniError ? err : new CniError(999, (err as Error)?.message ?? String(err));
    return { exitCode: 1, stdout: JSON.stringify(e.toJSON(version)) };
  }
}

/** Runs a plugin as the process: real env, stdin, stdout and exit status. */
export async function main(plugin: Plugin): Promise<void> {
  const chunks: Buffer[] = [];
  const wantsStdin = process.env.CNI_COMMAND !== undefined;
  if (wantsStdin && !process.stdin.isTTY) for await (const c of process.stdin) chunks.push(c as Buffer);
  const out = await runSkel(plugin, { env: process.env, stdin: Buffer.concat(chunks).toString('utf8'), stderr: (l) => process.stderr.write(`${l}\n`) });
  if (out.stdout) process.stdout.write(out.stdout);
  process.exitCode = out.exitCode;
}

export function parseEnv(env: SkelIO['env']): CniArgs {
  const command = env.CNI_COMMAND;
  if (!command) throw new CniError(ErrorCode.InvalidEnvironment, 'required env variables [CNI_COMMAND] missing');
  const required = REQUIRED.get(command);
  if (!required) throw new CniError(ErrorCode.InvalidEnvironment, `unknown CNI_COMMAND "${command}"`);
  const missing = required.filter((k) => !env[k]);
  if (missing.length) throw new CniError(ErrorCode.InvalidEnvironment, `required env variables [${missing.join(',')}] missing`);
  const containerId = env.CNI_CONTAINERID ?? '';
  if (containerId && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(containerId)) {
    throw new CniError(ErrorCode.InvalidEnvironment, 'invalid characters in containerID', containerId);
  }
  const ifname = env.CNI_IFNAME ?? '';
  if (ifname && (Buffer.byteLength(ifname) > 15 || ifname === '.' || ifname === '..' || /[/:\s]/.test(ifname))) {
    throw new CniError(ErrorCode.InvalidEnvironment, 'invalid CNI_IFNAME', `"${ifname}" must be 1-15 bytes without '/', ':' or whitespace`);
  }
  return {
    command: command as Command,
    containerId,
    netns: env.CNI_NETNS ?? '',
    ifname,
    args: parseCniArgs(env.CNI_ARGS ?? ''),
    path: (env.CNI_PATH ?? '').split(':').filter(Boolean),
  };
}

/** CNI_ARGS: 'K=V;K2=V2'. A pair without '=' is an invalid environment (code 4). */
export function parseCniArgs(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw.split(';').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(ErrorCode.InvalidEnvironment, 'invalid CNI_ARGS', `"${pair}" is not KEY=VALUE`);
    setOwn(out, pair.slice(0, eq), pair.slice(eq + 1)); // a key like __proto__ is an ordinary key
  }
  return out;
}

export function parseConf(stdin: string): NetConf {
  let conf: unknown;
  try {
    conf = JSON.parse(stdin);
  } catch (err) {
    throw new CniError(ErrorCode.DecodingFailure, 'error parsing network configuration', (err as Error).message);
  }
  if (!conf || typeof conf !== 'object' || Array.isArray(conf)) throw new CniError(ErrorCode.DecodingFailure, 'error parsing network configuration', 'not a JSON object');
  const c = conf as NetConf;
  if (c.cniVersion === undefined && c.cniVersions === undefined) throw new CniError(ErrorCode.DecodingFailure, 'error parsing network configuration', 'cniVersion is missing');
  if (typeof c.name !== 'string' || !c.name) throw new CniError(ErrorCode.InvalidConfig, 'invalid network configuration', 'name is missing');
  return c;
}

function versionInfo(stdin: string, supported: readonly string[]): { cniVersion: string; supportedVersions: string[] } {
  let asked: unknown;
  try {
    asked = stdin.trim() ? (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion : undefined;
  } catch {
    throw new CniError(ErrorCode.DecodingFailure, 'error parsing VERSION input', 'not JSON');
  }
  return { cniVersion: isVersion(asked) ? asked : CURRENT_VERSION, supportedVersions: [...supported] };
}

function validAttachments(conf: NetConf): Attachment[] {
  const raw = conf['cni.dev/valid-attachments'] ?? conf['cni.dev/attachments'] ?? [];
  if (!Array.isArray(raw) || raw.some((a) => typeof a?.containerID !== 'string' || typeof a?.ifname !== 'string')) {
    throw new CniError(ErrorCode.InvalidConfig, 'invalid cni.dev/valid-attachments', 'must be a list of {containerID, ifname}');
  }
  return raw as Attachment[];
}
