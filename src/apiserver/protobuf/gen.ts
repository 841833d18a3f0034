// `node --import tsx src/apiserver/protobuf/gen.ts [/usr/bin/kubectl]`: regenerates proto/*.proto
// and protos.ts (the same texts embedded, so the esbuild bundle needs no files at run time).
//
// The message definitions are facts of the wire format (names, field numbers, types). They are
// taken from the file descriptors a Go client registers at start (gzipped
// FileDescriptorProtos of k8s.io/api and apimachinery, the raw descriptor of gnostic's
// openapiv2/OpenAPIv2.proto) inside the stock kubectl binary: the same generated.proto files
// upstream, compiled, so no transcription slip can change a field number. Only the messages
// reachable from what skiff serves are kept; comments and options are not carried.
import { inflateRawSync } from 'node:zlib';
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

interface FieldD { name: string; number: number; label?: number; type?: number; typeName?: string; oneofIndex?: number; proto3Optional?: boolean }
interface MessageD { name: string; field?: FieldD[]; nestedType?: MessageD[]; enumType?: EnumD[]; oneofDecl?: { name: string }[]; options?: { mapEntry?: boolean } }
interface EnumD { name: string; value?: { name: string; number: number }[] }
interface FileD { name: string; package?: string; dependency?: string[]; messageType?: MessageD[]; enumType?: EnumD[]; syntax?: string }

const FileDescriptorProto = (descriptor as unknown as { FileDescriptorProto: { decode(b: Uint8Array): unknown; toObject(m: unknown, o: object): unknown } }).FileDescriptorProto;

/** What skiff serves (src/api/resources.ts) plus the request/response kinds around it. */
const ROOTS = [
  ...['Namespace', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'Node', 'Event', 'PersistentVolumeClaim', 'PersistentVolume', 'LimitRange', 'ResourceQuota', 'ReplicationController', 'PodTemplate']
    .flatMap((k) => [`k8s.io.api.core.v1.${k}`, `k8s.io.api.core.v1.${k}List`]),
  'k8s.io.api.core.v1.Binding',
  ...['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'].flatMap((k) => [`k8s.io.api.apps.v1.${k}`, `k8s.io.api.apps.v1.${k}List`]),
  ...['Job', 'CronJob'].flatMap((k) => [`k8s.io.api.batch.v1.${k}`, `k8s.io.api.batch.v1.${k}List`]),
  'k8s.io.api.discovery.v1.EndpointSlice', 'k8s.io.api.discovery.v1.EndpointSliceList',
  'k8s.io.api.coordination.v1.Lease', 'k8s.io.api.coordination.v1.LeaseList',
  ...['Ingress', 'IngressClass', 'NetworkPolicy'].flatMap((k) => [`k8s.io.api.networking.v1.${k}`, `k8s.io.api.networking.v1.${k}List`]),
  ...['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].flatMap((k) => [`k8s.io.api.rbac.v1.${k}`, `k8s.io.api.rbac.v1.${k}List`]),
  'k8s.io.api.policy.v1.PodDisruptionBudget', 'k8s.io.api.policy.v1.PodDisruptionBudgetList', 'k8s.io.api.policy.v1.Eviction',
  'k8s.io.api.events.v1.Event', 'k8s.io.api.events.v1.EventList',
  'k8s.io.api.node.v1.RuntimeClass', 'k8s.io.api.node.v1.RuntimeClassList',
  'k8s.io.api.certificates.v1.CertificateSigningRequest', 'k8s.io.api.certificates.v1.CertificateSigningRequestList',
  'k8s.io.api.scheduling.v1.PriorityClass', 'k8s.io.api.scheduling.v1.PriorityClassList',
  'k8s.io.api.autoscaling.v1.Scale', 'k8s.io.api.authentication.v1.TokenRequest', 'k8s.io.api.authentication.v1.SelfSubjectReview',
  'k8s.io.api.authorization.v1.SelfSubjectAccessReview', 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
  ...['Status', 'DeleteOptions', 'WatchEvent', 'PartialObjectMetadata', 'PartialObjectMetadataList', 'APIResourceList', 'APIGroupList', 'APIVersions']
    .map((k) => `k8s.io.apimachinery.pkg.apis.meta.v1.${k}`),
  'k8s.io.apimachinery.pkg.runtime.Unknown',
  'openapi.v2.Document',
];

const SCALAR: Record<number, string> = {
  1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool', 9: 'string',
  12: 'bytes', 13: 'uint32', 15: 'sfixed32', 16: 'sfixed64', 17: 'sint32', 18: 'sint64',
};

/** Every FileDescriptorProto in the binary: gzipped ones (gogo) and gnostic's raw one. */
function descriptorsIn(binary: Buffer): FileD[] {
  const files: FileD[] = [];
  const gzip = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
  for (let at = binary.indexOf(gzip); at >= 0; at = binary.indexOf(gzip, at + 1)) {
    try {
      // The deflate stream after the fixed 10-byte header (no optional fields): gunzip would
      // run on into a gzip member stored right after and merge two descriptors into one.
      const raw = inflateRawSync(binary.subarray(at + gzip.length, at + 4_000_000));
      if (raw[0] === 0x0a) files.push(decodeFile(raw));
    } catch { /* not a descriptor */ }
  }
  const name = Buffer.from('\x0a\x19openapiv2/OpenAPIv2.proto', 'latin1');
  const start = binary.indexOf(name);
  if (start >= 0) files.push(decodeFile(binary.subarray(start, start + rawDescriptorLength(binary, start))));
  return files;
}

function decodeFile(bytes: Uint8Array): FileD {
  return FileDescriptorProto.toObject(FileDescriptorProto.decode(bytes), { defaults: false, longs: Number }) as FileD;
}

/** A raw descriptor has no length prefix in the binary: walk its top-level fields until one is not a FileDescriptorProto field. */
function rawDescriptorLength(b: Buffer, start: number): number {
  let i = start;
  const varint = () => { let v = 0, s = 0, c; do { c = b[i++]!; v += (c & 0x7f) * 2 ** s; s += 7; } while (c & 0x80); return v; };
  for (;;) {
    const here = i;
    const tag = varint();
    const field = Math.floor(tag / 8), wire = tag & 7;
    const ok = (wire === 2 && ((field >= 1 && field <= 9) || field === 12)) || (wire === 0 && (field === 10 || field === 11));
    if (!ok) return here - start;
    const length = wire === 0 ? (varint(), 0) : varint();
    i += length;
  }
}

function main(): void {
  const kubectl = process.argv[2] ?? '/usr/bin/kubectl';
  const files = descriptorsIn(readFileSync(kubectl));
  const byType = new Map<string, { file: FileD; msg: MessageD }>();
  const index = (file: FileD, prefix: string, msgs: MessageD[] = []) => {
    for (const m of msgs) { byType.set(`${prefix}.${m.name}`, { file, msg: m }); index(file, `${prefix}.${m.name}`, m.nestedType); }
  };
  for (const f of files) index(f, f.package ?? '', f.messageType);

  // Follow references from the roots (top-level messages only: nested ones come with their parent).
  const keep = new Set<string>();
  const visit = (name: string) => {
    const top = topLevel(name, byType);
    if (keep.has(top)) return;
    const found = byType.get(top);
    if (!found) throw new Error(`${top} is not in ${kubectl}`);
    keep.add(top);
    const walk = (m: MessageD) => {
      for (const f of m.field ?? []) if (f.typeName && byType.has(f.typeName.slice(1))) visit(f.typeName.slice(1));
      for (const n of m.nestedType ?? []) walk(n);
    };
    walk(found.msg);
  };
  for (const r of ROOTS) visit(r);

  const dir = new URL('./proto/', import.meta.url).pathname;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const texts = new Map<string, string>();
  for (const file of files) {
    const msgs = (file.messageType ?? []).filter((m) => keep.has(`${file.package}.${m.name}`));
    if (msgs.length === 0) continue;
    const text = emitFile(file, msgs, files.filter((f) => f.name !== file.name && f.messageType?.some((m) => keep.has(`${f.package}.${m.name}`))).map((f) => f.name));
    const out = `${file.package}.proto`;
    writeFileSync(dir + out, text);
    texts.set(out, text);
  }
  const ts = `// Generated by src/apiserver/protobuf/gen.ts from the descriptors in ${kubectl}. Do not edit.\n` +
    `// One entry per proto/*.proto file: the message definitions skiff decodes and encodes.\n` +
    `export const PROTO_FILES: Record<string, string> = ${JSON.stringify(Object.fromEntries(texts), null, 1)};\n`;
  writeFileSync(new URL('./protos.ts', import.meta.url).pathname, ts);
  console.log(`kept ${keep.size} messages in ${texts.size} files`);
}

function topLevel(name: string, byType: Map<string, { file: FileD }>): string {
  const file = byType.get(name)?.file;
  if (!file?.package) return name;
  const rest = name.slice(file.package.length + 1);
  return `${file.package}.${rest.split('.')[0]}`;
}

function emitFile(file: FileD, msgs: MessageD[], deps: string[]): string {
  const syntax = file.syntax === 'proto3' ? 'proto3' : 'proto2';
  const imports = (file.dependency ?? []).filter((d) => deps.includes(d)).map((d) => `import "${d}";\n`).join('');
  return `// From ${file.name} (field names and numbers only). Generated by gen.ts; do not edit.\n` +
    `syntax = "${syntax}";\n\npackage ${file.package};\n\n${imports}${imports ? '\n' : ''}` +
    msgs.map((m) => emitMessage(m, '', syntax)).join('\n') + (file.enumType ?? []).map((e) => emitEnum(e, '')).join('\n');
}

function emitMessage(m: MessageD, indent: string, syntax: string): string {
  const maps = new Map((m.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => [n.name, n]));
  const lines: string[] = [];
  const inner = `${indent}  `;
  const oneofs = new Map<number, string[]>();
  for (const f of m.field ?? []) {
    const entry = f.typeName ? maps.get(f.typeName.split('.').pop()!) : undefined;
    let line: string;
    if (entry && f.label === 3) {
      const [k, v] = [entry.field![0]!, entry.field![1]!];
      line = `map<${typeOf(k)}, ${typeOf(v)}> ${f.name} = ${f.number};`;
    } else {
      const label = f.label === 3 ? 'repeated ' : f.label === 2 ? 'required ' : syntax === 'proto2' || f.proto3Optional ? 'optional ' : '';
      line = `${f.oneofIndex !== undefined && !f.proto3Optional ? '' : label}${typeOf(f)} ${f.name} = ${f.number};`;
    }
    if (f.oneofIndex !== undefined && !f.proto3Optional) {
      const list = oneofs.get(f.oneofIndex) ?? [];
      list.push(line);
      if (!oneofs.has(f.oneofIndex)) { oneofs.set(f.oneofIndex, list); lines.push(`\u0000oneof${f.oneofIndex}`); }
    } else lines.push(line);
  }
  const body = lines.map((l) => {
    const o = /^\u0000oneof(\d+)$/.exec(l);
    if (!o) return `${inner}${l}`;
    const i = Number(o[1]);
    return `${inner}oneof ${m.oneofDecl![i]!.name} {\n${oneofs.get(i)!.map((x) => `${inner}  ${x}`).join('\n')}\n${inner}}`;
  });
  for (const n of m.nestedType ?? []) if (!n.options?.mapEntry) body.push(emitMessage(n, inner, syntax));
  for (const e of m.enumType ?? []) body.push(emitEnum(e, inner));
  return `${indent}message ${m.name} {\n${body.join('\n')}${body.length ? '\n' : ''}${indent}}\n`;
}

function emitEnum(e: EnumD, indent: string): string {
  return `${indent}enum ${e.name} {\n${(e.value ?? []).map((v) => `${indent}  ${v.name} = ${v.number};`).join('\n')}\n${indent}}\n`;
}

function typeOf(f: FieldD): string {
  return f.typeName ?? SCALAR[f.type ?? 9] ?? 'string';
}

main();
