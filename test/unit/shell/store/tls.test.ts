import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreTlsError, storeErrorText, tlsCredentials } from '../../../../src/shell/store/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'nk-tls-'));
const pem = (name: string) => {
  const p = join(dir, name);
  writeFileSync(p, `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n`);
  return p;
};

describe('Settings.store.etcd.tls → credentials', () => {
  it('none given: no credentials', () => {
    expect(tlsCredentials(undefined)).toBeUndefined();
    expect(tlsCredentials({})).toBeUndefined();
  });

  it('reads the CA, the client certificate and its key', () => {
    const c = tlsCredentials({ ca: pem('ca.pem'), cert: pem('c.pem'), key: pem('k.pem') })!;
    expect(c.rootCertificate.toString()).toMatch(/BEGIN CERTIFICATE/);
    expect(c.certChain).toBeInstanceOf(Buffer);
    expect(c.privateKey).toBeInstanceOf(Buffer);
    // a client certificate without a CA: the system's roots check the servers
    expect(tlsCredentials({ cert: pem('c.pem'), key: pem('k.pem') })!.rootCertificate).toBeUndefined();
  });

  it('a file that cannot be read: an error naming the setting and the file', () => {
    const missing = join(dir, 'nope.pem');
    expect(() => tlsCredentials({ ca: pem('ca.pem'), cert: missing, key: pem('k.pem') })).toThrow(
      new StoreTlsError('cert', missing, `Settings store.etcd.tls.cert: cannot read ${missing} (ENOENT)`),
    );
    expect(() => tlsCredentials({ ca: dir })).toThrow(/tls\.ca: cannot read .*nk-tls-.* \(EISDIR\)/);
  });

  it('a file that is not PEM, a certificate without its key: clear errors', () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'hello\n');
    expect(() => tlsCredentials({ ca: junk })).toThrow(`Settings store.etcd.tls.ca: ${junk} is not a PEM file`);
    expect(() => tlsCredentials({ cert: pem('c.pem') })).toThrow('Settings store.etcd.tls: cert is given without key');
    expect(() => tlsCredentials({ key: pem('k.pem') })).toThrow('Settings store.etcd.tls: key is given without cert');
  });

  it("grpc's TLS errors: one line, openssl's noise out, and what to check", () => {
    const grpc = (why: string) =>
      `14 UNAVAILABLE: No connection established. Last error: 80ECC7CEA17F0000:error:0A000412:SSL routines:ssl3_read_bytes:${why}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42\n (2026-11-30T07:58:52.797Z). Resolution note: `;
    expect(storeErrorText(grpc('sslv3 alert bad certificate'))).toBe(
      "the store refused this host's client certificate (Settings store.etcd.tls cert and key: missing, or not signed by a CA the store trusts): 14 UNAVAILABLE: No connection established. Last error: sslv3 alert bad certificate: SSL alert number 42",
    );
    expect(storeErrorText('14 UNAVAILABLE: No connection established. Last error: certificate verify failed')).toMatch(
      /^this host does not trust the store's certificate/,
    );
    expect(storeErrorText('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 10.0.0.1:2379')).toBe(
      '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 10.0.0.1:2379',
    );
  });
});
