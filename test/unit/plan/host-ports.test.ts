// The host port chosen for a port declared without one: from the ephemeral range,
// kept while the kernel's DNAT rules keep it, past published and bound ports.
import { describe, expect, it } from 'vitest';
import { chooseHostPorts, EPHEMERAL_HI, EPHEMERAL_LO, type AutoRequest, type HostPortFacts } from '../../../src/plan/host-ports.js';

const none: HostPortFacts = { published: { tcp: new Set(), udp: new Set() }, bound: { tcp: new Set(), udp: new Set() }, existing: [] };
const req = (id: string, extra: Partial<AutoRequest> = {}): AutoRequest => ({
  id,
  protocol: 'tcp',
  length: 1,
  targets: [{ family: 'ipv4', hostIP: '0.0.0.0', bridge: 'br-x', containerIP: '10.0.0.2', containerPort: 80 }],
  ...extra,
});

describe('chooseHostPorts', () => {
  it('picks from 49153-65535, the same port for the same request every time, different ones for different requests', () => {
    const a = chooseHostPorts([req('web#0'), req('db#0')], none);
    const b = chooseHostPorts([req('web#0'), req('db#0')], none);
    expect(a).toEqual(b);
    for (const p of a.values()) expect(p).toBeGreaterThanOrEqual(EPHEMERAL_LO);
    for (const p of a.values()) expect(p).toBeLessThanOrEqual(EPHEMERAL_HI);
    expect(a.get('web#0')).not.toBe(a.get('db#0'));
  });

  it('probes upward past ports the files publish, ports bound on the host and ports chosen already', () => {
    const first = chooseHostPorts([req('web#0')], none).get('web#0')!;
    const facts: HostPortFacts = { ...none, published: { tcp: new Set([first]), udp: new Set() }, bound: { tcp: new Set([first + 1]), udp: new Set() } };
    const r = chooseHostPorts([req('web#0'), req('web#0', { id: 'web#0-again' })], facts);
    // a second request with the same start would collide: it takes the next free one
    expect(r.get('web#0')).toBe(first + 2);
    // the other protocol is not blocked
    expect(chooseHostPorts([req('web#0', { protocol: 'udp' })], facts).get('web#0')).toBe(first);
  });

  it('wraps at the top of the range', () => {
    const taken = new Set<number>();
    for (let p = EPHEMERAL_LO + 10; p <= EPHEMERAL_HI; p++) taken.add(p);
    const r = chooseHostPorts([req('web#0')], { ...none, bound: { tcp: taken, udp: new Set() } });
    expect(r.get('web#0')).toBeLessThan(EPHEMERAL_LO + 10);
  });

  it('a range takes a free block of its length', () => {
    const r = chooseHostPorts([req('web#0', { length: 4 })], none).get('web#0')!;
    const blocked = chooseHostPorts([req('web#0', { length: 4 })], { ...none, bound: { tcp: new Set([r + 2]), udp: new Set() } }).get('web#0')!;
    expect(blocked).toBe(r + 3);
  });

  it('is undefined when no block is free', () => {
    const all = new Set<number>();
    for (let p = EPHEMERAL_LO; p <= EPHEMERAL_HI; p++) all.add(p);
    expect(chooseHostPorts([req('web#0')], { ...none, bound: { tcp: all, udp: new Set() } }).get('web#0')).toBeUndefined();
  });

  it('keeps the port an existing DNAT rule gives the same container port, unless it is now published or bound', () => {
    const existing = [
      { protocol: 'tcp' as const, family: 'ipv4' as const, hostIP: '0.0.0.0', bridge: 'br-x', hostPort: 60001, containerIP: '10.0.0.2', containerPort: 80 },
    ];
    expect(chooseHostPorts([req('web#0')], { ...none, existing }).get('web#0')).toBe(60001);
    // another container (address) or port does not keep it
    expect(chooseHostPorts([req('web#0', { targets: [{ ...req('x').targets[0], containerIP: '10.0.0.3' }] })], { ...none, existing }).get('web#0')).not.toBe(
      60001,
    );
    // a new request never takes a kept one, whatever the order
    const fresh = chooseHostPorts([req('web#0')], none).get('web#0')!;
    const existingAtFresh = [{ ...existing[0], hostPort: fresh, containerIP: '10.0.0.9' }];
    const r = chooseHostPorts([req('web#0'), req('old#0', { targets: [{ ...req('x').targets[0], containerIP: '10.0.0.9' }] })], {
      ...none,
      existing: existingAtFresh,
    });
    expect(r.get('old#0')).toBe(fresh);
    expect(r.get('web#0')).not.toBe(fresh);
    // bound on the host now: moved
    expect(chooseHostPorts([req('web#0')], { ...none, existing, bound: { tcp: new Set([60001]), udp: new Set() } }).get('web#0')).not.toBe(60001);
  });
});
