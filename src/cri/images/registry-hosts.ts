// The registries config made usable for pulls: the file read and checked once at start
// (with every CA, client certificate and key it names), then, per image, the endpoints to
// try, each with the fetch that carries its host's TLS settings.
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Files } from '../../host/files/types.js';
import { resolveEndpoints, type Endpoint, type ResolveOptions } from './endpoints.js';
import { NO_REGISTRIES, parseRegistries, RegistriesConfigError, type RegistriesConfig, type RegistryHostConfig } from './registries.js';
import type { ImageRef } from './reference.js';
import { tlsFetch, type TlsMaterial } from './tls-fetch.js';

/** An endpoint with what talking to it takes. */
export interface RoutedEndpoint extends Endpoint {
  /** Set when the endpoint's host has TLS settings; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export type RegistryHosts = (ref: ImageRef) => RoutedEndpoint[];

/** Without a registries file: every image from its own registry. */
export const defaultRegistryHosts: RegistryHosts = (ref) => resolveEndpoints(ref, NO_REGISTRIES);

/**
 * Reads and checks the registries file at `path` and every TLS file it names. Rejects with
 * RegistriesConfigError naming the file and the field: unreadable file, bad YAML or field
 * (parseRegistries), a ca_file with no PEM certificate, a cert_file/key_file pair that does
 * not load. `warnings` are the fields ignored.
 */
export async function loadRegistryHosts(path: string, files: Files, opts: ResolveOptions = {}): Promise<{ hosts: RegistryHosts; config: RegistriesConfig; warnings: string[] }> {
  let text: string;
  try {
    text = await files.readText(path);
  } catch (err) {
    throw new RegistriesConfigError(`registries file ${path}: ${(err as Error).message}`);
  }
  const { config, warnings } = parseRegistries(text, path);
  const fetches = new Map<RegistryHostConfig, typeof fetch>();
  for (const [name, cfg] of config.configs) {
    if (cfg.tls) fetches.set(cfg, tlsFetch(await tlsMaterial(cfg.tls, `${path}: configs.${JSON.stringify(name)}.tls`, files)));
  }
  return { hosts: routedHosts(config, fetches, opts), config, warnings };
}

function routedHosts(config: RegistriesConfig, fetches: ReadonlyMap<RegistryHostConfig, typeof fetch>, opts: ResolveOptions): RegistryHosts {
  return (ref) => resolveEndpoints(ref, config, opts).map((ep) => {
    const f = ep.config && fetches.get(ep.config);
    return f ? { ...ep, fetch: f } : ep;
  });
}

async function tlsMaterial(tls: NonNullable<RegistryHostConfig['tls']>, field: string, files: Files): Promise<TlsMaterial> {
  const read = async (file: string | undefined, key: string) => {
    if (file === undefined) return undefined;
    try {
      // Relative to the working directory, as k3s (Go's os.ReadFile) reads them.
      return await files.readText(resolve(file));
    } catch (err) {
      throw new RegistriesConfigError(`${field}.${key}: ${(err as Error).message}`);
    }
  };
  const [ca, cert, key] = [await read(tls.caFile, 'ca_file'), await read(tls.certFile, 'cert_file'), await read(tls.keyFile, 'key_file')];
  if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) throw new RegistriesConfigError(`${field}.ca_file: ${tls.caFile} holds no PEM certificate`);
  const material: TlsMaterial = { insecureSkipVerify: tls.insecureSkipVerify, ...(ca !== undefined ? { ca, caFile: tls.caFile! } : {}), ...(cert !== undefined && key !== undefined ? { cert, key } : {}) };
  // What https.Agent will do on the first connection, done now: a bad CA, certificate or a
  // key that is not the certificate's fails the start, not the first pull.
  const check = (which: string, options: Parameters<typeof createSecureContext>[0]) => {
    try {
      createSecureContext(options);
    } catch (err) {
      throw new RegistriesConfigError(`${field}.${which}: does not load: ${(err as Error).message}`);
    }
  };
  if (material.ca) check('ca_file', { ca: material.ca });
  if (material.cert) check('cert_file/key_file', { cert: material.cert, key: material.key! });
  return material;
}
