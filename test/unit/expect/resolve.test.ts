// Expectations → probes (pure): who sends, to which address, where a listener
// must answer; what is skipped and why.
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { resolveExpectations, type Resolved } from '../../../src/expect/resolve.js';
import { observed } from '../plan/topology/fixtures.js';

const FILES = `kind: Network
name: front
subnets: [{subnet: 10.66.0.0/24}]
---
kind: Container
name: web
networks: [{network: front, ip: 10.66.0.10}]
ports: ["8080:80", "127.0.0.1:5353:53/udp"]
---
kind: Container
name: db
networks: [{network: front, ip: 10.66.0.20}]
---
kind: Container
name: r2
mode: none
---
kind: Link
name: l
endpoints: [{container: host, ifname: to-r2, ip: 10.9.0.1/32}, {container: r2, ifname: p0, ip: 10.9.0.2/32}]
---
kind: Host
name: me
address: 192.0.2.1
---
kind: Host
name: other
address: 192.0.2.2
---
kind: Container
name: far
host: other
`;

function resolve(expects: string): Resolved[] {
  const r = parseConfig([{ path: 'a.yaml', text: FILES + '---\n' + expects }]);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  const topo = buildTopology(r.value, observed(), 'me');
  if (!topo.ok) throw new Error('topology');
  return resolveExpectations(r.value.expects!, { topo: topo.value, hostAddresses: ['127.0.0.1', '192.0.2.1'] });
}
const plan = (r: Resolved) => (r.ok ? r.plan : expect.unreachable(`skipped: ${r.skipped}`));
const x = (name: string, from: string, to: string, more = '') => `kind: Expect\nname: ${name}\nfrom: "${from}"\nto: "${to}"\n${more}---\n`;

describe('resolving expectations', () => {
  test('container to container: the address on the network they share, a listener in the destination', () => {
    const [r] = resolve(x('a', 'web', 'db', 'port: 5432\n'));
    expect(plan(r)).toMatchObject({
      from: { label: 'web', path: '/run/netns/web' },
      dst: '10.66.0.20',
      port: 5432,
      protocol: 'tcp',
      listen: { ns: { label: 'db', path: '/run/netns/db' }, port: 5432 },
      text: 'web → db:5432/tcp (10.66.0.20)',
    });
  });
  test("a container to the host: its gateway; a Link's host end; the host to itself: loopback", () => {
    const [a, b, c] = resolve(x('a', 'web', 'host') + x('b', 'r2', 'host') + x('c', 'host', 'host', 'port: 22\n'));
    expect(plan(a)).toMatchObject({ dst: '10.66.0.1', from: { label: 'web' } });
    expect(plan(b)).toMatchObject({ dst: '10.9.0.1', from: { label: 'r2' } });
    expect(plan(c)).toMatchObject({ dst: '127.0.0.1', from: { label: 'host' }, listen: { ns: { label: 'host' }, port: 22 } });
    expect(plan(c).from.path).toBeUndefined();
  });
  test('a published port on the host: the listener goes to the container it leads to (0.0.0.0 and 127.0.0.1 ports)', () => {
    const [a, b, c] = resolve(
      x('a', 'db', '10.66.0.1', 'port: 8080\n') +
        x('b', 'host', '127.0.0.1', 'port: 5353\nprotocol: udp\n') +
        x('c', 'db', '10.66.0.1', 'port: 5353\nprotocol: udp\n'),
    );
    expect(plan(a).listen).toEqual({ ns: { label: 'web', path: '/run/netns/web' }, port: 80 });
    expect(plan(b).listen).toEqual({ ns: { label: 'web', path: '/run/netns/web' }, port: 53 });
    // 5353 is published on 127.0.0.1 only: from db to the gateway nothing leads on, the host itself must answer
    expect(plan(c).listen).toEqual({ ns: { label: 'host' }, port: 5353 });
  });
  test('an address FROM: a declared namespace sends bound to it; another machine is skipped, saying why', () => {
    const [a, b, c] = resolve(x('a', '10.66.0.20', 'web') + x('b', '198.51.100.7', 'web') + x('c', '192.0.2.1', 'web'));
    expect(plan(a)).toMatchObject({ from: { label: 'db' }, src: '10.66.0.20', dst: '10.66.0.10' });
    expect(b).toMatchObject({ ok: false, skipped: expect.stringMatching(/^198\.51\.100\.7 is another machine .*cannot send from it/) });
    expect(plan(c)).toMatchObject({ from: { label: 'host' }, src: '192.0.2.1' });
  });
  test('only declared namespaces and host addresses are aimed at; a container of another Host is skipped', () => {
    const [a, b] = resolve(x('a', 'web', '8.8.8.8', 'port: 53\nprotocol: udp\n') + x('b', 'web', 'far'));
    expect(a).toMatchObject({ ok: false, skipped: '8.8.8.8 is not an address of a declared namespace or of this host: netkeeper probes nothing else' });
    expect(b).toMatchObject({ ok: false, skipped: 'far runs on Host other: probe it there' });
  });
  test('loopback as a destination is the sender’s own', () => {
    const [a] = resolve(x('a', 'web', '127.0.0.1', 'port: 80\n'));
    expect(plan(a)).toMatchObject({ from: { label: 'web' }, dst: '127.0.0.1', listen: { ns: { label: 'web' }, port: 80 } });
  });
});
