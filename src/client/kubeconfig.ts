// A kubeconfig file read into what the REST client needs to reach one cluster as one user:
// the current context's (or a named context's) cluster and user, with file references read
// through the Files seam. Relative paths resolve against the kubeconfig's directory, as
// client-go's loader does.
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Files } from '../host/files/types.js';
import { isObject } from '../api/types.js';
import { ownValue } from '../own-keys.js';

/** Where the cluster is and who the client is; PEM strings, not paths. */
export interface ClientConfig {
  /** https://host:port, without a trailing slash. */
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  /** A fixed bearer token. */
  token?: string;
  /** A file holding the bearer token, re-read by the client as client-go does (the kubelet's projected tokens rotate). */
  tokenFile?: string;
  insecureSkipTLSVerify?: boolean;
}

/** The kubeconfig is unusable: missing context, cluster or user, or a field of the wrong type. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

type Fields = { readonly [key: string]: unknown };


function optionalString(from: Fields, field: string, where: string): string | undefined {
  const v = ownValue(from, field);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeconfigError(`${where}: ${field} must be a string`);
  return v;
}

/** The `name`d entry of a named list (clusters, users, contexts), its inner object under `inner`. */
function named(doc: Fields, list: string, name: string, inner: string): Fields {
  const entries = ownValue(doc, list);
  if (entries !== undefined && entries !== null && !Array.isArray(entries)) throw new KubeconfigError(`${list} must be a list`);
  const entry = (entries ?? []).find((e: unknown) => isObject(e) && e['name'] === name);
  if (!isObject(entry)) throw new KubeconfigError(`${inner} "${name}" not found in ${list}`);
  const body = ownValue(entry, inner);
  if (body === undefined || body === null) return {};
  if (!isObject(body)) throw new KubeconfigError(`${inner} "${name}" must be an object`);
  return body;
}

/**
 * Parses kubeconfig YAML into a ClientConfig for `context` (default current-context).
 * `*-data` fields are base64 PEM; file fields are read with files, relative to baseDir.
 * Throws KubeconfigError for a missing or malformed entry, HostError (ENOENT...) from files.
 */
export async function parseKubeconfig(yaml: string, files: Files, baseDir: string, context?: string): Promise<ClientConfig> {
  let doc: unknown;
  try {
    doc = parse(yaml);
  } catch (e) {
    throw new KubeconfigError(`not YAML: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new KubeconfigError('a kubeconfig must be a YAML mapping');
  const ctxName = context ?? optionalString(doc, 'current-context', 'kubeconfig');
  if (!ctxName) throw new KubeconfigError('no context given and current-context is not set');
  const ctx = named(doc, 'contexts', ctxName, 'context');
  const clusterName = optionalString(ctx, 'cluster', `context "${ctxName}"`);
  if (!clusterName) throw new KubeconfigError(`context "${ctxName}" names no cluster`);
  const cluster = named(doc, 'clusters', clusterName, 'cluster');
  const userName = optionalString(ctx, 'user', `context "${ctxName}"`);
  const user = userName ? named(doc, 'users', userName, 'user') : {};
  const server = optionalString(cluster, 'server', `cluster "${clusterName}"`);
  if (!server) throw new KubeconfigError(`cluster "${clusterName}" has no server`);
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const pem = async (from: Fields, dataField: string, fileField: string, where: string): Promise<string | undefined> => {
    const data = optionalString(from, dataField, where);
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    const file = optionalString(from, fileField, where);
    return file ? files.readText(path(file)) : undefined;
  };
  const clusterWhere = `cluster "${clusterName}"`;
  const userWhere = `user "${userName ?? ''}"`;
  const ca = await pem(cluster, 'certificate-authority-data', 'certificate-authority', clusterWhere);
  const cert = await pem(user, 'client-certificate-data', 'client-certificate', userWhere);
  const key = await pem(user, 'client-key-data', 'client-key', userWhere);
  if ((cert === undefined) !== (key === undefined)) throw new KubeconfigError(`${userWhere}: a client certificate needs its key and a key its certificate`);
  const token = optionalString(user, 'token', userWhere);
  const tokenFile = optionalString(user, 'tokenFile', userWhere);
  const skip = ownValue(cluster, 'insecure-skip-tls-verify');
  if (skip !== undefined && typeof skip !== 'boolean') throw new KubeconfigError(`${clusterWhere}: insecure-skip-tls-verify must be a boolean`);
  return {
    server: server.replace(/\/+$/, ''),
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    ...(token ? { token } : {}),
    ...(!token && tokenFile ? { tokenFile: path(tokenFile) } : {}),
    ...(skip === true ? { insecureSkipTLSVerify: true } : {}),
  };
}

/** Reads and parses the kubeconfig at path (see parseKubeconfig). */
export async function loadKubeconfig(files: Files, path: string, context?: string): Promise<ClientConfig> {
  return parseKubeconfig(await files.readText(path), files, dirname(path), context);
}
