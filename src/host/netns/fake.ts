import { HostError } from '../errors.js';
import type { FakeKernel } from '../fake-kernel.js';
import type { NamespacePins, Netns } from './types.js';
import { checkPins } from './validate.js';

/** Pins in the fake kernel; a network namespace dies (with its veths) when its pin goes. */
export class FakeNetns implements Netns {
  constructor(readonly kernel: FakeKernel) {}

  async create(pins: NamespacePins): Promise<void> {
    const paths = checkPins(pins);
    const taken = paths.find(([, p]) => this.kernel.state.pins.has(p));
    if (taken) throw new HostError('EEXIST', `namespace pin "${taken[1]}": File exists`, 'open');
    for (const [kind, path] of paths) {
      this.kernel.state.pins.set(path, { kind, id: kind === 'net' ? this.kernel.newNetns() : this.kernel.state.nextId++ });
    }
  }

  async remove(path: string): Promise<void> {
    const pin = this.kernel.state.pins.get(path);
    if (!pin) return;
    this.kernel.state.pins.delete(path);
    const stillPinned = [...this.kernel.state.pins.values()].some((p) => p.kind === pin.kind && p.id === pin.id);
    if (pin.kind === 'net' && !stillPinned) this.kernel.destroyNetns(pin.id);
  }

  async exists(path: string): Promise<boolean> {
    return this.kernel.state.pins.has(path);
  }
}
