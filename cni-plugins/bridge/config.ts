import type { NetConf } from '../../src/cni/types.js';
import { invalidConfig } from '../../src/cni/types.js';
import { checkLinkName, checkMac } from '../../src/host/netlink/validate.js';

/** skiff-bridge's settings, defaulted as the reference bridge plugin defaults them. */
export interface BridgeConf {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** 0: none. Otherwise the host end of each pod's veth is an access port of this VLAN
   *  (PVID, untagged) on a bridge created with VLAN filtering, as the reference 1.1.1 does. */
  vlan: number;
  macspoofchk: boolean;
  enableDad: boolean;
  /** From runtimeConfig.mac (the `mac` capability) or CNI_ARGS MAC. */
  mac?: string;
  ipamType?: string;
}

type Flag = 'isDefaultGateway' | 'isGateway' | 'forceAddress' | 'ipMasq' | 'hairpinMode' | 'promiscMode' | 'macspoofchk' | 'enabledad';

const bool = (conf: NetConf, field: Flag): boolean => {
  const v = conf[field];
  if (v !== undefined && typeof v !== 'boolean') throw invalidConfig(`invalid ${field}`, `must be true or false, got ${JSON.stringify(v)}`);
  return v === true;
};

export function parseBridgeConf(conf: NetConf, cniArgs: Record<string, string>): BridgeConf {
  const name = conf.bridge ?? 'cni0';
  try {
    checkLinkName(name, 'bridge');
  } catch (err) {
    throw invalidConfig('invalid bridge', (err as Error).message);
  }
  const mtu = conf.mtu ?? 1500;
  if (!Number.isInteger(mtu) || (mtu as number) < 68 || (mtu as number) > 65535) throw invalidConfig('invalid mtu', `${JSON.stringify(mtu)} is not an integer in 68..65535`);
  // The reference 1.1.1 knows only `vlan`; like it, vlanTrunk and preserveDefaultVlan (later
  // versions') are ignored, and VLAN 1 stays on the port beside the PVID.
  const vlan = conf.vlan ?? 0;
  if (!Number.isInteger(vlan) || (vlan as number) < 0 || (vlan as number) > 4094) throw invalidConfig(`invalid VLAN ID ${JSON.stringify(vlan)} (must be between 0 and 4094)`);
  const isDefaultGateway = bool(conf, 'isDefaultGateway');
  const out: BridgeConf = {
    bridge: name as string,
    isDefaultGateway,
    isGateway: bool(conf, 'isGateway') || isDefaultGateway,
    forceAddress: bool(conf, 'forceAddress'),
    ipMasq: bool(conf, 'ipMasq'),
    mtu: mtu as number,
    hairpinMode: bool(conf, 'hairpinMode'),
    promiscMode: bool(conf, 'promiscMode'),
    vlan: vlan as number,
    macspoofchk: bool(conf, 'macspoofchk'),
    enableDad: bool(conf, 'enabledad'),
  };
  if (out.hairpinMode && out.promiscMode) throw invalidConfig('invalid config', 'cannot set hairpin mode and promiscuous mode at the same time');
  const mac = conf.runtimeConfig?.mac ?? cniArgs.MAC;
  if (mac !== undefined) {
    try {
      out.mac = checkMac(mac, 'mac');
    } catch (err) {
      throw invalidConfig('invalid mac', (err as Error).message);
    }
  }
  if (conf.ipam !== undefined) {
    if (typeof conf.ipam?.type !== 'string' || !conf.ipam.type) throw invalidConfig('invalid ipam', 'ipam.type must be a plugin name');
    out.ipamType = conf.ipam.type;
  }
  return out;
}
