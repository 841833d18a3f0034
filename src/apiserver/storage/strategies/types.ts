// What differs between resources in the generic registry, as upstream's registry strategies
// (k8s.io/apiserver pkg/registry/rest: RESTCreateStrategy, RESTUpdateStrategy,
// RESTDeleteStrategy, and the genericregistry.Store's BeginCreate/BeginUpdate/AfterDelete).
// The registry calls these hooks and never names a resource; index.ts picks the strategy.
import type { Obj } from '../codec.js';
import type { Requestor } from '../meta.js';

/**
 * Ends what a begin hook started: success = the object was written (or the dry run is over),
 * so keep it; otherwise give back what was taken. Called exactly once. Never rejects: a
 * failure to give back is logged and left to the next repair, as upstream's finish functions.
 */
export type Finish = (success: boolean) => Promise<void>;

export const finishNothing: Finish = async () => {};

export interface CreateContext {
  now: Date;
  /** Who asks (the request scope's user); none for the server's own writes. */
  requestor?: Requestor;
}

export interface WriteContext {
  dryRun: boolean;
}

export interface DeletionContext {
  /** DeleteOptions.gracePeriodSeconds, already checked to be a non-negative integer. */
  gracePeriodSeconds?: number;
  now: Date;
}

export interface ResourceStrategy {
  /** Server-set metadata of a new object, status reset where a subresource owns it. Never throws. */
  prepareForCreate(obj: Obj, ctx: CreateContext): void;
  /** What needs the admitted object (after mutating admission's defaults). Never throws. */
  prepareAdmittedForCreate(obj: Obj): void;
  /** Carries over what a client cannot change on update; bumps generation. Never throws. */
  prepareForUpdate(next: Obj, old: Obj): void;
  /** A write to the status (or approval) subresource: the object to validate and store. Never throws. */
  prepareForSubresourceUpdate(next: Obj, old: Obj, subresource: 'status' | 'approval'): Obj;
  /**
   * Right before a create is written: takes what the object needs from outside the object
   * (a Service's ClusterIP). Rejects ApiError with nothing taken; otherwise the caller must
   * call the Finish it returns once the write has succeeded or failed.
   */
  beginCreate(obj: Obj, ctx: WriteContext): Promise<Finish>;
  /** As beginCreate, for an update of the main resource (not its subresources). */
  beginUpdate(next: Obj, old: Obj, ctx: WriteContext): Promise<Finish>;
  /** Throws ApiError (403) when the object may never be deleted. */
  checkDelete(name: string): void;
  /**
   * The object as it stays while it is being deleted (finalizers, grace, Terminating), or
   * undefined when it can go now. Never throws.
   */
  markForDeletion(obj: Obj, ctx: DeletionContext): Obj | undefined;
  /** Whether an object marked for deletion whose last finalizer went away can go now. */
  deleteWhenFinalized(obj: Obj): boolean;
  /** After the object left the store: frees what it held. Rejects when that fails. */
  afterDelete(obj: Obj): Promise<void>;
  /** DELETE answers with the deleted object instead of a Status (upstream's ReturnDeletedObject). */
  readonly returnDeletedObject: boolean;
  /**
   * The store deletes the object this many seconds after each write of it (upstream's TTLFunc:
   * Events get --event-ttl); undefined: it stays until deleted.
   */
  readonly ttlSeconds?: number;
}

/** The store's options for a write of an object of `strategy`. Never throws. */
export const storeWriteOptions = (strategy: Pick<ResourceStrategy, 'ttlSeconds'>): { ttlSeconds?: number } =>
  (strategy.ttlSeconds ? { ttlSeconds: strategy.ttlSeconds } : {});
