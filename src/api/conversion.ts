// Resources served in one version and stored in another, as upstream's storage versions:
// events.k8s.io/v1 Events live in core/v1 Event storage, so an Event written through either
// API is read through both. The storage layer converts at its edge (storage/codec.ts).
import { findResource, type ResourceInfo } from './resources.js';
import { coreToEventsV1, eventsV1ToCore } from './conversion/events.js';
import type { Event, EventsV1Event, KubeObject } from './types.js';

export interface StorageConversion {
  /** The resource whose storage (keys and stored shape) this one shares. */
  storage: ResourceInfo;
  toServed(stored: KubeObject): KubeObject;
  toStored(served: KubeObject): KubeObject;
}

// The storage layer picks the conversion by resource, so the object is of its kind.
const CONVERSIONS = new Map<ResourceInfo, StorageConversion>([
  [findResource('events.k8s.io', 'v1', 'events')!, {
    storage: findResource('', 'v1', 'events')!,
    toServed: (o) => coreToEventsV1(o as Event),
    toStored: (o) => eventsV1ToCore(o as EventsV1Event),
  }],
]);

/** How `r` is stored when not as itself; undefined for the resources stored as served. */
export const storageConversion = (r: ResourceInfo): StorageConversion | undefined => CONVERSIONS.get(r);
