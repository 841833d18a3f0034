// CNI wire types (containernetworking/cni SPEC.md, spec 1.1.0 and 1.0.0, with the 0.3.x/0.4.0
// result shape for older callers). Plain JSON-shaped interfaces: what is on stdin and stdout.

export interface NetConf {
  cniVersion: string;
  /** 1.1.0: every version the config may be used with; the runtime picks the highest common. */
  cniVersions?: string[];
  name: string;
  type: string;
  capabilities?: Record<string, boolean>;
  ipam?: IpamConf;
  dns?: Dns;
  args?: Record<string, unknown>;
  runtimeConfig?: RuntimeConfig;
  prevResult?: unknown;
  [field: string]: unknown;
}

export interface IpamConf {
  type: string;
  [field: string]: unknown;
}

export interface NetConfList {
  cniVersion: string;
  cniVersions?: string[];
  name: string;
  disableCheck?: boolean;
  disableGC?: boolean;
  plugins: NetConf[];
}

/** Well-known capability arguments (CONVENTIONS.md), passed to plugins as runtimeConfig. */
export interface RuntimeConfig {
  portMappings?: PortMapping[];
  ips?: string[];
  mac?: string;
  dns?: { servers?: string[]; searches?: string[]; options?: string[] };
  bandwidth?: { ingressRate?: number; ingressBurst?: number; egressRate?: number; egressBurst?: number };
  [capability: string]: unknown;
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol?: 'tcp' | 'udp' | 'sctp' | string;
  hostIP?: string;
}

export interface Interface {
  name: string;
  mac?: string;
  /** 1.1.0 */
  mtu?: number;
  sandbox?: string;
  /** 1.1.0 */
  socketPath?: string;
  /** 1.1.0 */
  pciID?: string;
}

export interface IpConfig {
  /** Only in 0.3.x/0.4.0 results: '4' or '6'. */
  version?: '4' | '6';
  /** CIDR: '10.244.1.5/24' */
  address: string;
  gateway?: string;
  /** Index into interfaces. */
  interface?: number;
}

export interface Route {
  dst: string;
  gw?: string;
  /** 1.1.0 */
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface Result {
  cniVersion: string;
  interfaces?: Interface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

/** One attachment a GC must keep. */
export interface Attachment {
  containerID: string;
  ifname: string;
}

/** CNI_* environment of one invocation, already split out. */
export interface CniArgs {
  command: Command;
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS as key/value pairs ('IgnoreUnknown=1;IP=10.1.1.5'). */
  args: Record<string, string>;
  path: string[];
}

export type Command = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';

/** Well-known error codes (SPEC.md "Error codes"). */
export const ErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
  NotAvailable: 50,
  NotAvailableLimited: 51,
} as const;

/** An error a plugin reports: printed as {cniVersion, code, msg, details} with a non-zero exit. */
export class CniError extends Error {
  override readonly name = 'CniError';
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details = '',
  ) {
    super(details ? `${msg}: ${details}` : msg);
  }

  toJSON(cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
    return { cniVersion, code: this.code, msg: this.msg, ...(this.details ? { details: this.details } : {}) };
  }
}

export const invalidConfig = (msg: string, details = '') => new CniError(ErrorCode.InvalidConfig, msg, details);
