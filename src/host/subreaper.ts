import { toHostError } from './errors.js';
import { native } from './native.js';

/**
 * Makes this process the reaper of its orphaned descendants (conmon, shims): without it
 * they are re-parented to PID 1 and, on machines whose PID 1 does not reap, stay zombies.
 * The caller must then wait for children it did not spawn itself (a SIGCHLD loop).
 */
export function becomeChildSubreaper(): void {
  try {
    native().setChildSubreaper();
  } catch (err) {
    throw toHostError(err);
  }
}
