// The protobuf message types, parsed once from the committed proto texts (protos.ts), and the
// mapping from an object's apiVersion + kind to its message, as upstream's generated.proto
// packages name them (k8s.io.api.<group's first label>.<version>.<Kind>).
import protobuf from 'protobufjs';
import { PROTO_FILES } from './protos.js';

let root: protobuf.Root | undefined;

/** The parsed and resolved root of every message skiff knows. Throws only if protos.ts is broken. */
export function protoRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // gnostic's Any.value refers to google.protobuf.Any; protobufjs ships its definition.
  r.addJSON(protobuf.common.get('google/protobuf/any.proto')!.nested!);
  for (const text of Object.values(PROTO_FILES)) protobuf.parse(text, r, { keepCase: true, alternateCommentMode: false });
  r.resolveAll();
  root = r;
  return r;
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** The message type for apiVersion + kind (meta/v1 kinds such as DeleteOptions under any version), or undefined. */
export function messageFor(apiVersion: string, kind: string): protobuf.Type | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
  const pkg = group === 'meta.k8s.io' ? META : `k8s.io.api.${group.split('.')[0] || 'core'}.${version}`;
  return lookupType(`${pkg}.${kind}`) ?? lookupType(`${META}.${kind}`);
}

/** A message type by its full name (without the leading dot), or undefined. */
export function lookupType(fullName: string): protobuf.Type | undefined {
  const found = protoRoot().lookup(fullName);
  return found instanceof protobuf.Type ? found : undefined;
}
