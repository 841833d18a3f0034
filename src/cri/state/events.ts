import { EventEmitter, on } from 'node:events';
import type { ContainerEventResponse } from '../gen/runtime/v1/ContainerEventResponse.js';

/**
 * Container lifecycle events for GetContainerEvents (the kubelet's evented PLEG). Events are
 * not stored: a subscriber sees what happens while it listens, as in containerd.
 */
export class ContainerEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  emit(event: ContainerEventResponse): void {
    this.emitter.emit('event', event);
  }

  /** Yields events until signal aborts. */
  async *subscribe(signal: AbortSignal): AsyncGenerator<ContainerEventResponse> {
    try {
      for await (const [event] of on(this.emitter, 'event', { signal })) yield event as ContainerEventResponse;
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }
}
