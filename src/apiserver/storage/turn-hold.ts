// Decoded objects of the watch cache live until the end of the event-loop turn that decoded
// them. Watchers woken by one event read it within that turn (their sends are microtasks), so
// they share one decode; afterwards nothing holds the object and it dies young. A WeakRef did
// not do this: V8's minor GC keeps WeakRef targets alive, so every decoded 8.8 KB ConfigMap was
// promoted to old space and stayed until a full GC (issue 19: old space and RSS grew with the
// event rate).

/** Something holding a decoded object it can let go of. */
export interface Droppable {
  drop(): void;
}

export class TurnHold {
  private held: Droppable[] = [];
  private scheduled = false;

  /** Calls `d.drop()` once the current event-loop turn is over. */
  keep(d: Droppable): void {
    this.held.push(d);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    const held = this.held;
    this.held = [];
    for (const d of held) d.drop();
  }
}
