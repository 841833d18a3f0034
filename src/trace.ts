// Tracing by named channels: SKIFF_TRACE=netlink,mount (or '*') writes lines to stderr.
// The message is a thunk so a disabled channel costs one Set lookup and no formatting.

import { systemClock } from './host/clock.js';

const enabled = new Set((process.env.SKIFF_TRACE ?? '').split(',').map((s) => s.trim()).filter(Boolean));

export type Tracer = (message: () => string) => void;

export function trace(channel: string): Tracer {
  if (!enabled.has(channel) && !enabled.has('*')) return () => {};
  return (message) => process.stderr.write(`${new Date(systemClock.now()).toISOString()} ${channel} ${message()}\n`);
}
