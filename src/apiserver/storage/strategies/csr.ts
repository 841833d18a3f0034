// CertificateSigningRequests (upstream pkg/registry/certificates/certificates): the requestor
// fields come from who asks, never from the body; the spec is immutable; conditions change
// only through /approval, the rest of status (the certificate) only through /status.
import type { ResourceInfo } from '../../../api/resources.js';
import { isObject, type JsonObject } from '../../../api/types.js';
import type { Obj } from '../codec.js';
import { section } from '../fields.js';
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
      const conditions = section(approval ? next.status : old.status).conditions;
      const status: JsonObject = { ...section(approval ? old.status : next.status) };
      if (conditions === undefined) delete status.conditions;
      else status.conditions = conditions;
      out.status = status;
      return out;
    },
  };
}

function setRequestor(obj: Obj, user: Requestor | undefined): void {
  const spec = obj.spec;
  if (!isObject(spec)) return;
  delete spec.username;
  delete spec.uid;
  delete spec.groups;
  delete spec.extra;
  if (!user) return;
  spec.username = user.name;
  if (user.uid) spec.uid = user.uid;
  if (user.groups?.length) spec.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) spec.extra = structuredClone(user.extra);
}
