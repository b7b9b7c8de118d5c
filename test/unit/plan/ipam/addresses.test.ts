import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allocate, type IpamSubnet } from '../../../../src/plan/ipam/addresses.js';

const v4 = (extra: Partial<IpamSubnet> = {}): IpamSubnet => ({
  subnet: '10.1.0.0/24',
  ipRange: '10.1.0.0/24',
  gateway: '10.1.0.1',
  hostHasGateway: true,
  reserved: [],
  ...extra,
});
const req = (id: string, fixed: string[] = [], keep: string[] = []) => ({ id, fixed, keep });

describe('allocate', () => {
  it('gives fixed first, keeps current addresses, then lowest free', () => {
    const r = allocate([v4()], [req('a'), req('b', [], ['10.1.0.50']), req('c', ['10.1.0.2'])]);
    expect(r.errors).toEqual([]);
    expect(r.assignments.get('c')).toEqual({ ip4: '10.1.0.2', prefix4: 24 });
    expect(r.assignments.get('b')?.ip4).toBe('10.1.0.50');
    expect(r.assignments.get('a')?.ip4).toBe('10.1.0.3');
  });

  it('does not keep an address that is the gateway, reserved, outside the range or taken', () => {
    const s = v4({ ipRange: '10.1.0.128/25', reserved: ['10.1.0.130'] });
    const r = allocate(
      [s],
      [req('a', [], ['10.1.0.1']), req('b', [], ['10.1.0.130']), req('c', [], ['10.1.0.5']), req('d', ['10.1.0.200']), req('e', [], ['10.1.0.200'])],
    );
    expect(r.errors).toEqual([]);
    const ip = (id: string) => r.assignments.get(id)?.ip4;
    // range starts at .128 (the network address of the range, but not of the subnet: usable)
    expect([ip('a'), ip('b'), ip('c'), ip('e')]).toEqual(['10.1.0.128', '10.1.0.129', '10.1.0.131', '10.1.0.132']);
    expect(ip('d')).toBe('10.1.0.200');
  });

  it('reports exhaustion once, naming who got nothing', () => {
    const r = allocate(
      [v4({ subnet: '10.1.0.0/29', ipRange: '10.1.0.0/29' })],
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => req(x)),
    );
    // /29: .1 gateway, .0 network, .7 broadcast → .2-.6 = 5 addresses
    expect(r.assignments.get('e')?.ip4).toBe('10.1.0.6');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].code).toBe('ipam-exhausted');
    expect(r.errors[0].message).toContain('f, g');
  });

  it('refuses a fixed address twice, or the host gateway', () => {
    const r = allocate([v4()], [req('a', ['10.1.0.9']), req('b', ['10.1.0.9']), req('c', ['10.1.0.1'])]);
    expect(r.errors.map((e) => [e.id, e.code])).toEqual([
      ['b', 'address-taken'],
      ['c', 'address-taken'],
    ]);
  });

  it('lets a member hold the gateway of an isolated network, but never hands it out', () => {
    const s = v4({ hostHasGateway: false, gateway: '10.1.0.2' });
    const r = allocate([s], [req('a'), req('router', ['10.1.0.2'])]);
    expect(r.errors).toEqual([]);
    expect(r.assignments.get('router')?.ip4).toBe('10.1.0.2');
    expect(r.assignments.get('a')?.ip4).toBe('10.1.0.1');
  });

  it('allocates IPv6 alongside IPv4', () => {
    const s6: IpamSubnet = { subnet: 'fd00:1::/64', ipRange: 'fd00:1::/64', gateway: 'fd00:1::1', hostHasGateway: true, reserved: [] };
    const r = allocate([v4(), s6], [req('a'), req('b', ['fd00:1::10'])]);
    expect(r.errors).toEqual([]);
    expect(r.assignments.get('a')).toEqual({ ip4: '10.1.0.2', prefix4: 24, ip6: 'fd00:1::2', prefix6: 64 });
    expect(r.assignments.get('b')).toEqual({ ip4: '10.1.0.3', prefix4: 24, ip6: 'fd00:1::10', prefix6: 64 });
  });
});

/** The documented preferred slot: sha1(key) as a number, modulo the range size. */
const slot = (key: string, size: number) => Number(BigInt(`0x${createHash('sha1').update(key).digest('hex')}`) % BigInt(size));
/** The first name n0, n1, ... (hashed as ov/<name>, as hreq does) whose slot satisfies `want`. */
const keyWith = (want: (s: number) => boolean, size: number, not: string[] = []) => {
  for (let i = 0; ; i++) if (!not.includes(`n${i}`) && want(slot(`ov/n${i}`, size))) return `n${i}`;
};
const hreq = (key: string, fixed: string[] = []) => ({ id: key, fixed, keep: [], slotKey: `ov/${key}` });

describe('allocate, hashed placement', () => {
  it('puts each request at sha1(slotKey) modulo the range size, counted from the range start', () => {
    const keys: string[] = [];
    while (keys.length < 3) {
      const used = keys.map((k) => slot(`ov/${k}`, 256));
      keys.push(keyWith((x) => x > 1 && x < 255 && !used.includes(x), 256, keys));
    }
    const slots = keys.map((k) => slot(`ov/${k}`, 256));
    expect(new Set(slots).size).toBe(3);
    const r = allocate(
      [v4()],
      keys.map((k) => hreq(k)),
      'hashed',
    );
    expect(r.errors).toEqual([]);
    expect(keys.map((k) => r.assignments.get(k))).toEqual(slots.map((s) => ({ ip4: `10.1.0.${s}`, prefix4: 24 })));
    // the id is hashed when no slotKey is given
    const byId = allocate([v4()], [req('ov/n0')], 'hashed');
    expect(byId.assignments.get('ov/n0')?.ip4).toBe(r.assignments.get('n0')?.ip4);
  });

  it("honours ipRange: the slot is taken modulo the range's size from its first address", () => {
    const s = v4({ ipRange: '10.1.0.128/26' });
    const r = allocate([s], [hreq('web')], 'hashed');
    expect(r.assignments.get('web')?.ip4).toBe(`10.1.0.${128 + slot('ov/web', 64)}`);
  });

  it('a taken slot probes forward to the next free address, skipping gateway, reserved, network and broadcast, wrapping around', () => {
    const size = 16; // 10.1.0.0/28: .0 network, .1 gateway, .15 broadcast
    const sub = v4({ subnet: '10.1.0.0/28', ipRange: '10.1.0.0/28', reserved: ['10.1.0.9'] });
    const slotOf = (k: string) => slot(`ov/${k}`, size);
    // two keys with the same slot 8: the second (in request order) gets 10 (9 is reserved)
    const a = keyWith((x) => x === 8, size);
    const b = keyWith((x) => x === 8, size, [a]);
    // a key whose slot is the broadcast address wraps to .2 (past .0 network and .1 gateway)
    const c = keyWith((x) => x === 15, size);
    // a key whose slot is the reserved address
    const d = keyWith((x) => x === 9, size);
    expect([slotOf(a), slotOf(b), slotOf(c), slotOf(d)]).toEqual([8, 8, 15, 9]);
    const r = allocate([sub], [hreq(a), hreq(b), hreq(c), hreq(d)], 'hashed');
    expect(r.errors).toEqual([]);
    expect([a, b, c, d].map((k) => r.assignments.get(k)?.ip4)).toEqual(['10.1.0.8', '10.1.0.10', '10.1.0.2', '10.1.0.11']);
  });

  it('fixed addresses come first: a request whose slot is a fixed address moves on', () => {
    const a = keyWith((x) => x > 1 && x < 254, 256);
    const s = slot(`ov/${a}`, 256);
    const r = allocate([v4()], [hreq(a), hreq('pinned', [`10.1.0.${s}`])], 'hashed');
    expect(r.errors).toEqual([]);
    expect(r.assignments.get('pinned')?.ip4).toBe(`10.1.0.${s}`);
    expect(r.assignments.get(a)?.ip4).toBe(`10.1.0.${s + 1}`);
  });

  it('fills a range completely, then reports exhaustion once, naming who got nothing', () => {
    const sub = v4({ subnet: '10.1.0.0/29', ipRange: '10.1.0.0/29' });
    const r = allocate(
      [sub],
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => hreq(x)),
      'hashed',
    );
    const got = ['a', 'b', 'c', 'd', 'e'].map((k) => r.assignments.get(k)?.ip4).sort();
    expect(got).toEqual(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'ipam-exhausted', id: 'f' });
    expect(r.errors[0].message).toContain('f, g');
  });

  it('spills into the next subnet of the family when the first is full; IPv6 slots likewise', () => {
    const full = v4({ subnet: '10.1.0.0/30', ipRange: '10.1.0.0/30' }); // only .2 usable
    const next = v4({ subnet: '10.2.0.0/24', ipRange: '10.2.0.0/24', gateway: '10.2.0.1' });
    const s6: IpamSubnet = { subnet: 'fd00:1::/120', ipRange: 'fd00:1::/120', gateway: 'fd00:1::1', hostHasGateway: true, reserved: [] };
    const a = keyWith((x) => x > 1, 256);
    const b = keyWith((x) => x > 1 && x < 255 && x !== slot(`ov/${a}`, 256), 256, [a]);
    const r = allocate([full, next, s6], [hreq(a), hreq(b)], 'hashed');
    expect(r.errors).toEqual([]);
    expect(r.assignments.get(a)?.ip4).toBe('10.1.0.2');
    expect(r.assignments.get(b)?.ip4).toBe(`10.2.0.${slot(`ov/${b}`, 256)}`);
    expect(r.assignments.get(a)?.ip6).toBe(`fd00:1::${slot(`ov/${a}`, 256).toString(16)}`);
    expect(r.assignments.get(b)?.ip6).toBe(`fd00:1::${slot(`ov/${b}`, 256).toString(16)}`);
  });
});
