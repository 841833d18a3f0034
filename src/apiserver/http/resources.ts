// Resource requests: /api/v1/... and /apis/<g>/<v>/... after routing. Decodes the query and
// body, calls the registry for the verb, and encodes the answer in the representation the
// client negotiated (object, Table, PartialObjectMetadata). Watches stream from here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkBodyKind, cannotHandle, unrecognized } from '../../api/body-kind.js';
import { applyProblems } from '../../api/apply-types.js';
import { decodeTypeError, firstTypeError, goPrint, jsonTextTypeError } from '../../api/decode-types.js';
import { definitionNode, kindNode, pruneUnknownFields } from '../../api/fieldvalidation.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { JSON_PATCH_SHAPE, parseJson, strictJsonProblems } from '../../api/strict-decode.js';
import { decodeYamlAsync } from '../../api/yaml-offload.js';
import { isObject, type JsonObject, type ListMeta } from '../../api/types.js';
import { ownValue } from '../../own-keys.js';
import { numberOf, section, stringOf } from '../storage/fields.js';
import type { ServerHooks } from '../hooks.js';
import { apiError, badRequest, invalid } from '../status.js';
import type { Obj, ObjList } from '../storage/codec.js';
import { deleteCollection, deleteObject, type DeleteOptions } from '../storage/delete.js';
import { gvkOf, Registry, type ListQuery } from '../storage/registry.js';
import { bindPod, kubeletSubresource, toScale, updateScale } from '../storage/subresources.js';
import { openWatch } from '../storage/watch.js';
import { decodeBodyAsync, negotiate, type Representation, bodyMediaType, YAML_MEDIA_TYPES } from './negotiate.js';
import { checkListOptions, checkWriteOptions } from './options.js';
import { hasNamespacePrefix, queryBool, type RequestInfo } from './request-info.js';
import { readBody, writeObject, writeWatchFrame } from './respond.js';
import { WarningRecorder } from './warnings.js';
import { evictPod } from '../storage/eviction.js';

export interface ResourceHandlerDeps {
  registry: Registry;
  hooks: ServerHooks;
  /** How often a watch that allows bookmarks gets one. */
  bookmarkIntervalMs: number;
}

const notServed = () => apiError(404, 'NotFound', 'the server could not find the requested resource');
const methodNotAllowed = () => apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
const CONVERSIONS = ['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList'];
/** What a resource request answers with: an object, a list, or a Status. */
type Answer = Obj | ObjList | { kind: 'Status'; metadata?: ListMeta; [field: string]: unknown };
const KUBELET_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy', 'token', 'ephemeralcontainers']);

/**
 * Upstream routes cluster-scoped resources only outside /namespaces/<ns>/: any verb there is a
 * 404 (after authorization in that namespace, which must not reach cluster-wide objects).
 * Checked before every handler of resource paths (reviews and tokens too).
 */
export function clusterScopedInNamespace(info: RequestInfo): boolean {
  const r = findResource(info.apiGroup, info.apiVersion, info.resource);
  return !!r && !r.namespaced && hasNamespacePrefix(info);
}

/** Serves one resource request. Throws ApiError (the caller writes it as a Status). */
export async function handleResource(deps: ResourceHandlerDeps, info: RequestInfo, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const r = findResource(info.apiGroup, info.apiVersion, info.resource);
  if (!r) throw notServed();
  const ns = r.namespaced ? info.namespace : '';
  const needsName = !['list', 'watch', 'create', 'deletecollection'].includes(info.verb);
  // Without a namespace a namespaced resource has only its list/watch route: other verbs on
  // that collection path are a 405 (go-restful's answer for a known path), names a 404.
  if (r.namespaced && !ns && !info.name && (info.verb === 'create' || info.verb === 'deletecollection')) throw methodNotAllowed();
  if (r.namespaced && !ns && info.verb !== 'list' && info.verb !== 'watch') throw notServed();
  if (needsName && !info.name) throw notServed();
  if (info.subresource && !(r.subresources ?? []).includes(info.subresource)) throw notServed();
  const q = url.searchParams;
  const rep = negotiate(req.headers.accept, CONVERSIONS);
  const opts = writeOptions(q, req);
  const fields = new FieldReport(directiveOf(q));
  const write = (code: number, obj: Answer) => {
    fields.setWarningHeaders(res);
    writeObject(res, code, convert(deps.hooks, r, obj, rep, q), rep);
  };
  // Only a patch decodes a patched object: other verbs use the server's registry as it is.
  const registry = info.verb === 'patch' ? fields.registry(deps.registry) : deps.registry;
  const readObject = (req: IncomingMessage) => readTypedObject(req, r, fields);

  if (info.subresource) return handleSubresource({ ...deps, registry }, r, ns, info, q, req, write, readObject, fields);

  switch (info.verb) {
    case 'get':
      return write(200, await registry.get(r, ns, info.name, q.get('resourceVersion') ?? undefined));
    case 'list':
    case 'watch': {
      checkListOptions({
        watch: info.verb === 'watch', sendInitialEvents: queryBool(q, 'sendInitialEvents'),
        allowWatchBookmarks: queryBool(q, 'allowWatchBookmarks') === true, resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
      });
      if (info.verb === 'list') return write(200, await registry.list(r, ns, listQuery(q)));
      return streamWatch(deps, r, ns, q, rep, req, res, info.name);
    }
    case 'create': {
      if (info.name) throw apiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      const body = await readObject(req);
      return write(201, await registry.create(r, ns, body, opts));
    }
    case 'update':
      return write(200, await registry.update(r, ns, info.name, await readObject(req), opts));
    case 'patch': {
      const ct = req.headers['content-type'] ?? '';
      if (ct.startsWith('application/apply-patch') && !q.get('fieldManager')) {
        throw badRequest('PATCH requests using the apply patch type require fieldManager');
      }
      const patch = await fields.readPatch(ct, await readBody(req), gvkOf(r), ns, info.name);
      const force = queryBool(q, 'force') === true;
      let created = false;
      const obj = await registry.patch(r, ns, info.name, ct, patch, { ...opts, force, onCreate: () => { created = true; } });
      return write(created ? 201 : 200, obj);
    }
    case 'delete': {
      const del = await deleteOptions(req, q);
      const { object, returnObject } = await deleteObject(registry, r, ns, info.name, del);
      if (returnObject) return write(200, object);
      return writeObject(res, 200, {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
        details: { name: info.name, group: r.group, kind: r.plural, uid: object.metadata?.uid },
      });
    }
    case 'deletecollection':
      return write(200, await deleteCollection(registry, r, ns, listQuery(q), await deleteOptions(req, q)));
    default:
      throw apiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
}

async function handleSubresource(deps: ResourceHandlerDeps, r: ResourceInfo, ns: string, info: RequestInfo, q: URLSearchParams,
  req: IncomingMessage, write: (code: number, obj: Answer) => void, readTypedObject: (req: IncomingMessage) => Promise<Obj>, fields: FieldReport): Promise<void> {
  const { registry } = deps;
  const sub = info.subresource;
  const opts = { ...writeOptions(q, req), subresource: sub };
  if (KUBELET_SUBRESOURCES.has(sub)) kubeletSubresource(sub);
  if (sub === 'binding') {
    if (info.verb !== 'create') throw apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    await bindPod(registry, r, ns, info.name, await readObject(req, BINDING));
    return write(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }
  if (sub === 'eviction') {
    if (info.verb !== 'create') throw apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    await evictPod(registry, r, ns, info.name, await readObject(req, EVICTION));
    return write(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }
  if (sub === 'scale') {
    if (info.verb === 'get') return write(200, toScale(await registry.get(r, ns, info.name)));
    if (info.verb === 'update') {
      const scale = await readObject(req, SCALE);
      const scaleName = section(scale.metadata).name;
      if (scaleName !== undefined && scaleName !== info.name) {
        throw badRequest(`the name of the object (${scaleName}) does not match the name on the URL (${info.name})`);
      }
      return write(200, await updateScale(registry, r, ns, info.name, () => scale, opts));
    }
    if (info.verb === 'patch') {
      const ct = req.headers['content-type'] ?? '';
      const patch = await decodeBodyAsync(ct, await readBody(req));
      const gvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
      return write(200, await updateScale(registry, r, ns, info.name, (scale) => {
        const patched = deps.hooks.applyPatch(ct, scale, patch, gvk);
        checkPatchedTypes(ct, patched, patch, gvk);
        return patched;
      }, opts));
    }
  }
  if (sub === 'status' || sub === 'finalize' || sub === 'approval') {
    if (info.verb === 'get' && (sub === 'status' || sub === 'approval')) return write(200, await registry.get(r, ns, info.name));
    if (info.verb === 'update') return write(200, await registry.update(r, ns, info.name, await readTypedObject(req), opts));
    if (info.verb === 'patch') {
      const ct = req.headers['content-type'] ?? '';
      const patch = await fields.readPatch(ct, await readBody(req), gvkOf(r), ns, info.name);
      return write(200, await registry.patch(r, ns, info.name, ct, patch, { ...opts, force: queryBool(q, 'force') === true }));
    }
  }
  throw apiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/** A subresource's body (Binding, Eviction, Scale): an object whose values fit `kind`'s types. Throws ApiError 400. */
async function readObject(req: IncomingMessage, kind: { group: string; version: string; kind: string }): Promise<JsonObject> {
  const body = await decodeBodyAsync(req.headers['content-type'], await readBody(req));
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request must be an object');
  const typeError = decodeTypeError(kind, body);
  if (typeError) throw badRequest(cannotHandle(kind, kind, typeError));
  return body as JsonObject;
}

const BINDING = { group: '', version: 'v1', kind: 'Binding' };
const EVICTION = { group: 'policy', version: 'v1', kind: 'Eviction' };
const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  // Past 2^53 a Number is no longer the integer sent (limit=1e20 reached SQLite as a float: 503).
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw badRequest(`${name}: invalid value "${v}": must be an integer`);
  return Number(v);
}

function listQuery(q: URLSearchParams): ListQuery {
  const limit = intParam(q, 'limit');
  if (limit !== undefined && limit < 0) throw badRequest('limit: Invalid value: must be >= 0');
  return {
    labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined,
    limit, continue: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined, resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
  };
}

/** Upstream names an unnamed manager after the client: the User-Agent up to its first '/'. */
function managerFromAgent(req: IncomingMessage): string {
  const ua = req.headers['user-agent'] ?? '';
  return ua.split('/')[0]!.slice(0, 128) || 'unknown';
}

/** The options kind upstream validates a write's query against (ValidateCreateOptions, ...). */
const OPTIONS_KIND: Readonly<Record<string, string>> = { POST: 'CreateOptions', PUT: 'UpdateOptions', PATCH: 'PatchOptions', DELETE: 'DeleteOptions' };

function writeOptions(q: URLSearchParams, req: IncomingMessage) {
  const dryRun = q.getAll('dryRun');
  const fv = q.get('fieldValidation');
  if (fv && !['Strict', 'Warn', 'Ignore'].includes(fv)) throw badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  const fieldManager = q.get('fieldManager') || undefined;
  const kind = ownValue(OPTIONS_KIND, req.method ?? '');
  const apply = kind === 'PatchOptions' && /^application\/apply-patch\+(yaml|cbor)\s*(;|$)/.test(req.headers['content-type'] ?? '');
  if (kind) checkWriteOptions(kind, dryRun, kind === 'DeleteOptions' ? undefined : fieldManager, kind === 'PatchOptions' ? { apply, force: q.has('force') } : undefined);
  return { dryRun: dryRun.length > 0, fieldManager: fieldManager ?? managerFromAgent(req) };
}

const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  const decoded = raw.length ? await decodeBodyAsync(req.headers['content-type'], raw) : {};
  const body = isObject(decoded) ? decoded : {};
  // Upstream decodes the body into metav1.DeleteOptions and answers a type error with a 500
  // carrying Go's words; the client is at fault: 400 with the same words.
  const typeError = raw.length ? firstTypeError(definitionNode(DELETE_OPTIONS), body) : undefined;
  if (typeError) throw badRequest(typeError);
  return {
    // (typed by the check above: DeleteOptions' fields, each absent, null or of its Go type)
    gracePeriodSeconds: intParam(q, 'gracePeriodSeconds') ?? numberOf(body.gracePeriodSeconds),
    propagationPolicy: q.get('propagationPolicy') ?? stringOf(body.propagationPolicy),
    preconditions: isObject(body.preconditions) ? { uid: stringOf(body.preconditions.uid), resourceVersion: stringOf(body.preconditions.resourceVersion) } : undefined,
    dryRun: q.getAll('dryRun').includes('All') || (Array.isArray(body.dryRun) && body.dryRun.includes('All')),
  };
}

/** The object in the negotiated shape (Table rows, metadata only), unchanged otherwise. */
function convert(hooks: ServerHooks, r: ResourceInfo, obj: Answer, rep: Representation, q: URLSearchParams): unknown {
  if (!rep.as || obj.kind === 'Status') return obj;
  const items = 'items' in obj && Array.isArray(obj.items) ? obj.items : undefined;
  if (rep.as === 'Table') {
    const include = (q.get('includeObject') || 'Metadata') as 'None' | 'Object' | 'Metadata';
    // Upstream's ValidateTableOptions: any other value was served as if it were Metadata.
    if (!['None', 'Object', 'Metadata'].includes(include)) {
      throw badRequest(`Invalid table options: [includeObject: Unsupported value: ${JSON.stringify(include)}: supported values: "Metadata", "None", "Object"]`);
    }
    const table = hooks.toTable(gvkOf(r), items ?? [obj], include) as { metadata?: ListMeta };
    const listed: ListMeta = obj.metadata ?? {};
    table.metadata = { ...(table.metadata ?? {}), resourceVersion: listed.resourceVersion, ...(listed.continue ? { continue: listed.continue } : {}) };
    return table;
  }
  const partial = (o: { metadata?: unknown }) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata });
  if (items) return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata, items: items.map(partial) };
  return partial(obj);
}

/** `name`: the legacy /watch/.../<name> path, a watch of that one object (upstream narrows it by metadata.name). */
async function streamWatch(deps: ResourceHandlerDeps, r: ResourceInfo, ns: string, q: URLSearchParams, rep: Representation,
  req: IncomingMessage, res: ServerResponse, name = ''): Promise<void> {
  const selected = q.get('fieldSelector') ?? undefined;
  const byName = name ? `metadata.name=${name.replace(/[\\,=]/g, '\\$&')}` : undefined;
  const abort = new AbortController();
  const bookmarks = queryBool(q, 'allowWatchBookmarks') === true;
  const events = openWatch(deps.registry, r, ns, {
    labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: byName && selected ? `${byName},${selected}` : byName ?? selected,
    resourceVersion: q.get('resourceVersion') ?? undefined, allowWatchBookmarks: bookmarks,
    sendInitialEvents: queryBool(q, 'sendInitialEvents'),
  }, abort.signal);
  // Upstream's default: between the minimum request timeout (30 min) and twice that.
  // 0 is "not set" (upstream's zero value); a timer cannot wait past 2^31-1 ms (Node fires a
  // longer one after 1 ms), so longer timeouts wait that long.
  const timeout = Math.min(intParam(q, 'timeoutSeconds') || Math.round(1800 * (1 + Math.random())), MAX_TIMER_SECONDS);
  res.writeHead(200, { 'Content-Type': rep.format === 'json' ? 'application/json' : rep.contentType, 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const frame = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
  const timer = setTimeout(() => abort.abort(), timeout * 1000);
  // Upstream stamps a bookmark with the watch cache's revision: a watch whose namespace or
  // selectors let nothing through still learns how far it has got, and resumes from there.
  const ticker = bookmarks ? setInterval(() => {
    const rv = events.bookmarkRevision();
    if (rv) res.write(frame('BOOKMARK', { kind: r.kind, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, metadata: { resourceVersion: String(rv) } }));
  }, deps.bookmarkIntervalMs) : undefined;
  const stop = () => abort.abort();
  req.on('close', stop);
  res.on('close', stop);
  try {
    for await (const ev of events) {
      if (ev.type === 'BOOKMARK' && !bookmarks) continue;
      const object = ev.type === 'ERROR' || ev.type === 'BOOKMARK' ? ev.object : convert(deps.hooks, r, ev.object, rep, q);
      // Backpressure: a slow client stops us reading the cache, which then drops it (as
      // upstream ends a watcher that cannot keep up) instead of buffering without bound.
      await writeWatchFrame(res, frame(ev.type, object));
      if (ev.type === 'ERROR') break;
    }
  } finally {
    clearTimeout(timer);
    if (ticker) clearInterval(ticker);
    abort.abort();
    res.end();
  }
}

// ── Field validation (upstream's fieldValidation: Strict fails, Warn warns, Ignore is silent) ──

type Directive = 'Strict' | 'Warn' | 'Ignore';
const JSON_TYPES = new Set(['application/json', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', '']);

/** Warn is upstream's default (kubectl asks for Strict). writeOptions has rejected other values. */
function directiveOf(q: URLSearchParams): Directive {
  return (q.get('fieldValidation') as Directive | null) || 'Warn';
}

/** Upstream's strict JSON decoder (sigs.k8s.io/json) keeps the first 100 distinct strict errors of a decode. */
const MAX_STRICT_ERRORS = 100;

function firstDistinct(items: string[]): string[] {
  const out = new Set<string>();
  for (const item of items) {
    if (out.size >= MAX_STRICT_ERRORS) break;
    out.add(item);
  }
  return [...out];
}

/**
 * How much of an apply configuration's error list is told. Each error repeats its whole path,
 * and a path holds list keys of any length (`[name="<1 MB>"]`): 10,000 errors under one such
 * item would join into 10 GB. Upstream lists them all; skiff stops at 64 KiB.
 */
const MAX_APPLY_ERROR_TEXT = 64 * 1024;

/** The leading items whose lengths sum to at most `max` characters (at least one). */
function firstWithin(items: string[], max: number): string[] {
  const out: string[] = [];
  let size = 0;
  for (const item of items) {
    size += item.length + 3;
    if (out.length && size > max) break;
    out.push(item.length > max ? item.slice(0, max) : item);
  }
  return out;
}

/** One request's field problems: decides between failing and warning, and writes the warnings. */
class FieldReport {
  private readonly warnings = new WarningRecorder();
  /** Duplicate-field complaints about the patch body, reported with the patched object's unknown fields. */
  private patchProblems: string[] = [];
  constructor(readonly directive: Directive) {}

  /** Fails (Strict: 400 with `message(problems)`) or records warnings (Warn). */
  report(problems: string[], message: (joined: string) => string, warnings = problems): void {
    if (!problems.length || this.directive === 'Ignore') return;
    if (this.directive === 'Strict') throw badRequest(message(`strict decoding error: ${firstDistinct(problems).join(', ')}`));
    for (const w of firstDistinct(warnings)) this.warnings.add(w);
  }

  setWarningHeaders(res: ServerResponse): void {
    if (this.warnings.values.length) res.setHeader('Warning', [...this.warnings.values]);
  }

  /**
   * The registry with patching hooks that drop unknown fields from the patched object (and
   * report them), as upstream's typed decode of a patched object does.
   */
  registry(base: Registry): Registry {
    const hooks = base.deps.hooks;
    return new Registry({
      ...base.deps,
      hooks: {
        ...hooks,
        applyPatch: (type, current, patch, gvk) => {
          const patched = hooks.applyPatch(type, current, patch, gvk);
          checkPatchedTypes(type, patched, patch, gvk);
          const { pruned, unknown } = pruneUnknownFields(gvk, patched);
          this.report([...this.patchProblems, ...unknown.map((p) => `unknown field "${p}"`)], (m) => m);
          return pruned;
        },
      },
    });
  }

  /**
   * Decodes a PATCH body, checking it as upstream does per patch type. Throws ApiError 400 on
   * a body that is not JSON/YAML, on duplicates under Strict, and on apply configurations with
   * fields the kind does not declare.
   */
  async readPatch(contentType: string, raw: Buffer, gvk: { group: string; version: string; kind: string }, ns: string, name: string): Promise<unknown> {
    const type = bodyMediaType(contentType);
    const text = raw.toString('utf8');
    const strictish = this.directive !== 'Ignore';
    if (type === 'application/apply-patch+yaml') {
      let decoded;
      try {
        decoded = await decodeYamlAsync(text);
      } catch (err) {
        throw badRequest(`error decoding YAML: error converting YAML to JSON: ${(err as Error).message}`);
      }
      // Structured-merge-diff checks declared fields and value types in one pass and tells all.
      const { undeclared, typeErrors } = applyProblems(gvk, decoded.value);
      const problems = [...undeclared.map((p) => `${p}: field not declared in schema`), ...typeErrors];
      if (problems.length) {
        // Upstream answers this with a 500 (kubernetes#139253); the client is at fault: 400.
        const gvkText = `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;
        const shown = firstWithin(problems, MAX_APPLY_ERROR_TEXT);
        const why = shown.length === 1 ? shown[0] : `errors:\n  ${shown.join('\n  ')}`;
        throw badRequest(`failed to create typed patch object (${gvkText} ${ns ? `${ns}/` : ''}${name}): ${why}`);
      }
      if (decoded.duplicates.length) {
        const joined = `error converting YAML to JSON: yaml: unmarshal errors:\n  ${decoded.duplicates.join('\n  ')}`;
        this.report([joined], () => `error strict decoding YAML: ${joined}`, decoded.duplicates);
      }
      return decoded.value;
    }
    if (!JSON_TYPES.has(type)) return decodeBodyAsync(contentType, raw);
    const parsed = parseJson(text);
    if (type === 'application/merge-patch+json') {
      if (parsed.error !== undefined) throw badRequest(strictish ? `error decoding patch: ${parsed.error}` : 'Invalid JSON Patch');
      const value = parsed.value;
      if (strictish && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        throw badRequest(`error decoding patch: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type map[string]interface {}`);
      }
      if (strictish) this.patchProblems = strictJsonProblems(text, 'untyped');
      return value;
    }
    if (parsed.error !== undefined) throw badRequest(parsed.error);
    if (strictish) this.patchProblems = type === 'application/json-patch+json' ? strictJsonProblems(text, JSON_PATCH_SHAPE, 'json patch ') : strictJsonProblems(text, 'untyped');
    return parsed.value;
  }
}

/**
 * Throws upstream's 422 when the patched object does not decode into the kind: a json or merge
 * patch's result is decoded by encoding/json and shown whole; a strategic patch's by the
 * unstructured converter, showing the patch as Go prints a map (handlers/patch.go).
 */
function checkPatchedTypes(contentType: string, patched: unknown, patch: unknown, gvk: { group: string; version: string; kind: string }): void {
  const strategic = bodyMediaType(contentType) === 'application/strategic-merge-patch+json';
  const why = decodeTypeError(gvk, patched, strategic ? 'unstructured' : 'json');
  if (!why) return;
  const shown = strategic ? goPrint(patch) : JSON.stringify(patched);
  throw invalid('', '', [{ reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(shown)}: ${why}` }]);
}

/**
 * A create/update body as the kind `r` with its unknown fields dropped: kind and apiVersion
 * checked, duplicates and unknown fields reported per the directive. Throws ApiError 400
 * (upstream's decode errors), 413 (too large), 415 (unknown media type).
 */
async function readTypedObject(req: IncomingMessage, r: ResourceInfo, fields: FieldReport): Promise<Obj> {
  const raw = await readBody(req);
  const type = bodyMediaType(req.headers['content-type']);
  const target = gvkOf(r);
  const text = raw.toString('utf8');
  let value: unknown;
  let problems: string[] = [];
  let warnings: string[] | undefined;
  if (JSON_TYPES.has(type)) {
    const parsed = parseJson(text);
    if (parsed.error !== undefined) throw badRequest(unrecognized(target, `couldn't get version/kind; json parse error: ${parsed.error}`, raw));
    value = parsed.value;
  } else if (YAML_MEDIA_TYPES.has(type)) {
    try {
      const decoded = await decodeYamlAsync(text);
      value = decoded.value;
      if (decoded.duplicates.length) {
        problems = [`yaml: unmarshal errors:\n  ${decoded.duplicates.join('\n  ')}`];
        warnings = [...decoded.duplicates];
      }
    } catch (err) {
      throw badRequest(unrecognized(target, `error converting YAML to JSON: ${(err as Error).message}`, raw));
    }
  } else {
    value = await decodeBodyAsync(req.headers['content-type'], raw);
  }
  const kind = checkBodyKind(target, value, raw);
  if (!kind.ok) throw badRequest(kind.message);
  // A type error fails the decode whatever the field validation directive (it is not a strict error).
  const typeError = JSON_TYPES.has(type) ? jsonTextTypeError(target, text) : decodeTypeError(target, value);
  if (typeError) throw badRequest(cannotHandle(kind.gvk, target, typeError));
  const { pruned, unknown } = pruneUnknownFields(target, value as Obj);
  if (fields.directive !== 'Ignore') {
    // JSON is checked in one pass in document order, as upstream's streaming decoder does.
    const typed = JSON_TYPES.has(type) ? strictJsonProblems(text, kindNode(target) ?? 'untyped') : unknown.map((p) => `unknown field "${p}"`);
    fields.report([...problems, ...typed], (m) => cannotHandle(kind.gvk, target, m), [...(warnings ?? problems), ...typed]);
  }
  return pruned;
}
