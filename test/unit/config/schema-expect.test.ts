// kind Expect: schema, defaults, references and the port/protocol pairing.
import { describe, expect, test } from 'vitest';
import { errors, ok, refused } from './helpers.js';
import { expectText } from '../../../src/model/expect.js';

const web = 'kind: Container\nname: web\n---\nkind: Container\nname: db\n---\n';

describe('Expect documents', () => {
  test('a container pair, tcp by default with a port, reachable by default', () => {
    const cfg = ok(web + 'kind: Expect\nname: web-db\nfrom: web\nto: db\nport: 5432\n');
    expect(cfg.expects).toEqual([
      {
        kind: 'Expect',
        name: 'web-db',
        from: { type: 'container', name: 'web' },
        to: { type: 'container', name: 'db' },
        port: 5432,
        protocol: 'tcp',
        result: 'reachable',
        pos: { file: 'networks.d/a.yaml', line: 7, col: 1 },
      },
    ]);
    expect(expectText(cfg.expects![0])).toBe('web → db:5432/tcp');
  });
  test('icmp without a port; host and addresses as ends (canonical text)', () => {
    const cfg = ok(web + 'kind: Expect\nname: e\nfrom: host\nto: "fd00:0::10"\nresult: unreachable\n');
    expect(cfg.expects![0]).toMatchObject({
      from: { type: 'host' },
      to: { type: 'address', address: 'fd00::10' },
      protocol: 'icmp',
      result: 'unreachable',
    });
    expect(cfg.expects![0].port).toBeUndefined();
    expect(expectText(cfg.expects![0])).toBe('host → fd00::10 (icmp)');
  });
  test('no Expect: the config has no expects field (plans and fingerprints unchanged)', () => {
    expect(ok(web + 'kind: Network\nname: n\n')).not.toHaveProperty('expects');
  });
  test('an undeclared container, with a suggestion', () => {
    refused(web + 'kind: Expect\nname: e\nfrom: »wbe\nto: db\n', 'unknown-reference', {
      message: 'from: container "wbe" is not declared (did you mean web?); write a declared container, host, or an address',
      object: 'Expect e',
    });
  });
  test('tcp without a port, icmp with one', () => {
    refused(web + 'kind: Expect\nname: e\nfrom: web\nto: db\nprotocol: »udp\n', 'expect-port', { message: /udp expectation needs "port"/ });
    refused(web + 'kind: Expect\nname: e\nfrom: web\nto: db\nprotocol: icmp\nport: »80\n', 'expect-port', { message: /takes no port/ });
  });
  test('unusable addresses; loopback only as a destination', () => {
    refused(web + 'kind: Expect\nname: e\nfrom: web\nto: »224.0.0.1\n', 'expect-endpoint', { message: /multicast address/ });
    refused(web + 'kind: Expect\nname: e\nfrom: »127.0.0.1\nto: web\n', 'expect-endpoint', { message: /loopback/ });
    expect(ok(web + 'kind: Expect\nname: e\nfrom: host\nto: 127.0.0.1\nport: 8080\n').expects).toHaveLength(1);
  });
  test('schema: unknown fields, bad protocol and result, a name twice', () => {
    expect(errors(web + 'kind: Expect\nname: e\nfrom: web\nto: db\nproto: tcp\n').map((e) => e.code)).toEqual(['schema']);
    expect(errors(web + 'kind: Expect\nname: e\nfrom: web\nto: db\nprotocol: sctp\n').map((e) => e.code)).toEqual(['schema']);
    expect(errors(web + 'kind: Expect\nname: e\nfrom: web\nto: db\nresult: maybe\n').map((e) => e.code)).toEqual(['schema']);
    expect(errors(web + 'kind: Expect\nname: e\nto: db\n').map((e) => e.code)).toEqual(['schema']);
    refused(web + 'kind: Expect\nname: e\nfrom: web\nto: db\n---\nkind: Expect\nname: »e\nfrom: db\nto: web\n', 'duplicate-name');
  });
});
