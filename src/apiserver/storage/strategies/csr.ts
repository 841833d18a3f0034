// CertificateSigningRequests (upstream pkg/registry/certificates/certificates): the requestor
// fields come from who asks, never from the body; the spec is immutable; conditions change
// only through /approval, the rest of status (the certificate) only through /status.
import type { ResourceInfo } from '../../../api/resources.js';
import type { Obj } from '../codec.js';
import { keep, type Requestor } from '../meta.js';
import { genericStrategy } from './generic.js';
import type { ResourceStrategy } from './types.js';

export function csrStrategy(r: ResourceInfo): ResourceStrategy {
  const base = genericStrategy(r);
  return {
    ...base,
    prepareForCreate(obj, ctx) {
      base.prepareForCreate(obj, ctx);
      setRequestor(obj, ctx.requestor);
      obj.status = {};
    },
    prepareForUpdate(next, old) {
      base.prepareForUpdate(next, old);
      keep(next, old, 'spec');
    },
    prepareForSubresourceUpdate(next, old, subresource) {
      const out = base.prepareForSubresourceUpdate(next, old, subresource);
      const approval = subresource === 'approval';
      const conditions = approval ? next.status?.conditions : old.status?.conditions;
      const status: Obj = { ...(approval ? old.status : next.status) };
      if (conditions === undefined) delete status.conditions;
      else status.conditions = conditions;
      out.status = status;
      return out;
    },
  };
}

function setRequestor(obj: Obj, user: Requestor | undefined): void {
  if (obj.spec === null || typeof obj.spec !== 'object' || Array.isArray(obj.spec)) return;
  delete obj.spec.username;
  delete obj.spec.uid;
  delete obj.spec.groups;
  delete obj.spec.extra;
  if (!user) return;
  obj.spec.username = user.name;
  if (user.uid) obj.spec.uid = user.uid;
  if (user.groups?.length) obj.spec.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) obj.spec.extra = structuredClone(user.extra);
}
