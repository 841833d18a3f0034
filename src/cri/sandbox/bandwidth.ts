// The pod's traffic shaping, from the annotations the kubelet passes through
// (kubernetes.io/ingress-bandwidth, kubernetes.io/egress-bandwidth), as the CNI "bandwidth"
// capability; bits per second, burst left to the plugin's maximum as containerd does.
import { ownValue } from '../../own-keys.js';
import { invalidArgument } from '../errors.js';

export const INGRESS_ANNOTATION = 'kubernetes.io/ingress-bandwidth';
export const EGRESS_ANNOTATION = 'kubernetes.io/egress-bandwidth';

export interface BandwidthCapability {
  ingressRate?: number;
  ingressBurst?: number;
  egressRate?: number;
  egressBurst?: number;
}

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
// The kubelet's bounds (pkg/util/bandwidth): below 1 kbit or above 1 Pbit is a typo.
const MIN = 1e3;
const MAX = 1e15;
const MAX_BURST = 2 ** 32 - 1;

/** A Kubernetes quantity ('10M', '1Gi', '500k') as an integer, rounded up; undefined when malformed. */
export function parseQuantity(text: string): number | undefined {
  const m = /^\+?(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[mkMGTPE])?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * ownValue(SUFFIX, m[2] ?? '')!);
}

/**
 * The bandwidth capability for the pod's annotations, or undefined when it has none.
 * Rejects (CriError invalidArgument) a malformed or unreasonable value, as the kubelet would.
 */
export function bandwidthCapability(annotations: Readonly<Record<string, string>>): BandwidthCapability | undefined {
  const rate = (key: string): number | undefined => {
    const text = ownValue(annotations, key);
    if (text === undefined) return undefined;
    const value = parseQuantity(text);
    if (value === undefined) throw invalidArgument(`annotation ${key}: "${text}" is not a quantity`);
    if (value < MIN || value > MAX) throw invalidArgument(`annotation ${key}: ${text} is outside 1k..1P bits per second`);
    return value;
  };
  const ingress = rate(INGRESS_ANNOTATION);
  const egress = rate(EGRESS_ANNOTATION);
  if (ingress === undefined && egress === undefined) return undefined;
  return {
    ...(ingress !== undefined ? { ingressRate: ingress, ingressBurst: MAX_BURST } : {}),
    ...(egress !== undefined ? { egressRate: egress, egressBurst: MAX_BURST } : {}),
  };
}
