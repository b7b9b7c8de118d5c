// Settings.store.etcd.tls → the etcd client's credentials: the PEM files read here,
// once, when the store is opened. A file that cannot be read is an error naming
// the setting and the file (StoreTlsError), never a stack trace; a client
// certificate without its key (or a key without its certificate) too. With a
// client certificate and no `ca`, the servers are checked against the system's
// roots (grpc's default).

import { readFileSync } from 'node:fs';

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface TlsCredentials {
  rootCertificate: Buffer;
  privateKey?: Buffer;
  certChain?: Buffer;
}

export class StoreTlsError extends Error {
  constructor(
    readonly field: 'ca' | 'cert' | 'key',
    readonly file: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

function read(field: 'ca' | 'cert' | 'key', file: string): Buffer {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new StoreTlsError(field, file, `Settings store.etcd.tls.${field}: cannot read ${file} (${err.code ?? err.message})`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(b.toString('latin1'))) {
    throw new StoreTlsError(field, file, `Settings store.etcd.tls.${field}: ${file} is not a PEM file (no -----BEGIN ...----- line)`);
  }
  return b;
}

/** The credentials for `tls` (undefined: none given — plain or, for https:// endpoints, the system's roots). */
export function tlsCredentials(tls: TlsFiles | undefined): TlsCredentials | undefined {
  if (!tls || (!tls.ca && !tls.cert && !tls.key)) return undefined;
  if (!!tls.cert !== !!tls.key) {
    const [has, lacks] = tls.cert ? (['cert', 'key'] as const) : (['key', 'cert'] as const);
    throw new StoreTlsError(lacks, undefined, `Settings store.etcd.tls: ${has} is given without ${lacks}; a client certificate needs both (PEM files)`);
  }
  const ca = tls.ca ? read('ca', tls.ca) : undefined;
  const cert = tls.cert ? read('cert', tls.cert) : undefined;
  const key = tls.key ? read('key', tls.key) : undefined;
  return {
    // grpc takes a missing root certificate as "the system's roots"
    rootCertificate: ca as Buffer,
    ...(key ? { privateKey: key } : {}),
    ...(cert ? { certChain: cert } : {}),
  };
}

/**
 * grpc's error text → one line a user can act on: the first line of the
 * client's message without its "(date). Resolution note:" tail, and for the TLS
 * failures a user meets, what to check.
 */
export function storeErrorText(message: string): string {
  const text = message
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)\.\s*Resolution note:.*$/s, '')
    // openssl's "80EC…:error:0A000412:SSL routines:ssl3_read_bytes:" and its source file: the reason is what stays
    .replace(/[0-9A-F]{8,}:error:[0-9A-F]+:SSL routines:[A-Za-z0-9_]+:([^:]+):[^\s:]+:\d+:/g, '$1: ')
    .replace(/\s+/g, ' ')
    .trim();
  const hint = /alert (bad certificate|certificate required|unknown ca|certificate unknown)|alert number (42|116|48|46)\b/i.test(text)
    ? "the store refused this host's client certificate (Settings store.etcd.tls cert and key: missing, or not signed by a CA the store trusts)"
    : /certificate verify failed|unable to (get local issuer|verify the first)|self[- ]signed|CERT_|altnames|Hostname\/IP does not match/i.test(text)
      ? "this host does not trust the store's certificate (Settings store.etcd.tls.ca), or it is not made for the endpoint's address"
      : /wrong version number|packet length too long|http_request/i.test(text)
        ? 'TLS to an endpoint that speaks plain HTTP (use http:// or etcd://), or the reverse'
        : undefined;
  return hint ? `${hint}: ${text}` : text;
}

let quieted = false;
/**
 * Node warns (DEP0123) when a TLS client names a server by IP address, which grpc
 * does for every https://IP:port endpoint; the certificate is still checked
 * against the address (its IP SAN). That one warning is left out of the output.
 */
export function quietIpServerNameWarning(): void {
  if (quieted) return;
  quieted = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const o = rest[0];
    const code = typeof o === 'object' && o !== null ? (o as { code?: string }).code : rest[1];
    if (code === 'DEP0123') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
