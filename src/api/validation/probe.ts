// Probes and lifecycle hooks (upstream core validateProbe, validateLifecycle, validateHandler):
// exactly one handler, non-negative timings, and a port that is a number or an IANA name.
import { type Errs, forbidden, invalid, isInt, isOneOf, type Keys, notSupported, required } from './field.js';
import { nonNegative, portNumOrName, inRange } from './common.js';
import { isObject, type JsonObject, type Lifecycle, type LifecycleHandler, type Probe } from '../types.js';

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const satisfies Keys<Probe>;
const HOOK_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const satisfies Keys<LifecycleHandler>;
const SCHEMES = ['HTTP', 'HTTPS'];
type HandlerKind = (typeof PROBE_HANDLERS)[number] | (typeof HOOK_HANDLERS)[number];

function validateHandler(errs: Errs, field: string, h: JsonObject, kinds: readonly HandlerKind[]): void {
  let count = 0;
  for (const kind of kinds) {
    if (h[kind] == null) continue;
    // Upstream reports every handler after the first one, at that handler's path.
    if (count++ > 0) {
      errs.push(forbidden(`${field}.${kind}`, 'may not specify more than 1 handler type'));
      continue;
    }
    const a = h[kind];
    const f = `${field}.${kind}`;
    if (!isObject(a)) continue;
    if (kind === 'exec' && (!Array.isArray(a.command) || a.command.length === 0)) errs.push(required(`${f}.command`));
    if (kind === 'httpGet') {
      portNumOrName(errs, `${f}.port`, a.port);
      if (a.scheme !== undefined && !isOneOf(a.scheme, SCHEMES)) errs.push(notSupported(`${f}.scheme`, a.scheme, SCHEMES));
    }
    if (kind === 'tcpSocket') portNumOrName(errs, `${f}.port`, a.port);
    if (kind === 'grpc') inRange(errs, `${f}.port`, a.port ?? 0, 1, 65535);
    if (kind === 'sleep' && (!isInt(a.seconds) || a.seconds < 0)) errs.push(invalid(`${f}.seconds`, a.seconds, 'must be non-negative'));
  }
  if (count === 0) errs.push(required(field, 'must specify a handler type'));
}

/**
 * A probe at `field` (e.g. spec.containers[0].livenessProbe). `mustSucceedOnce` is for liveness
 * and startup probes, whose successThreshold must be 1 (0 is what the defaulter turns into 1).
 */
export function validateProbe(errs: Errs, field: string, probe: unknown, mustSucceedOnce: boolean): void {
  if (probe == null) return;
  if (!isObject(probe)) return void errs.push(invalid(field, probe, 'must be an object'));
  validateHandler(errs, field, probe, PROBE_HANDLERS);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const satisfies Keys<Probe>) nonNegative(errs, `${field}.${f}`, probe[f]);
  if (probe.terminationGracePeriodSeconds != null && (!isInt(probe.terminationGracePeriodSeconds) || probe.terminationGracePeriodSeconds <= 0)) {
    errs.push(invalid(`${field}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  if (mustSucceedOnce && isInt(probe.successThreshold) && probe.successThreshold > 1) {
    errs.push(invalid(`${field}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
}

/** A container's lifecycle: postStart and preStop each need exactly one handler. */
export function validateLifecycle(errs: Errs, field: string, lc: unknown): void {
  if (!isObject(lc)) return;
  for (const hook of ['postStart', 'preStop'] as const satisfies Keys<Lifecycle>) {
    const h = lc[hook];
    if (h == null) continue;
    if (!isObject(h)) errs.push(invalid(`${field}.${hook}`, h, 'must be an object'));
    else validateHandler(errs, `${field}.${hook}`, h, HOOK_HANDLERS);
  }
}
