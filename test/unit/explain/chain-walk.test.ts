// The iptables evaluator on real iptables-save output (test/fixtures/iptables:
// netkeeper's chains beside Docker's, CNI's and kube-proxy's, captured on
// iptables-nft and iptables-legacy).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRule, parseRuleset, tokenize } from '../../../src/explain/iptables-parse.js';
import { runChain } from '../../../src/explain/chain-walk.js';
import { ruleMatches } from '../../../src/explain/rule-match.js';
import type { HookCtx, Packet } from '../../../src/explain/packet.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/iptables/${name}`, import.meta.url), 'utf8');
const LOCAL = new Set(['10.0.0.1', '172.18.0.1', '172.21.0.1']);

function ctx(p: Partial<Packet>, o: Partial<Omit<HookCtx, 'pkt'>> = {}): HookCtx {
  return {
    pkt: { src: '10.0.0.9', dst: '10.0.0.1', proto: 'tcp', sport: 40000, dport: 80, ...p },
    ct: { state: 'NEW', dnat: false, snat: false },
    isLocal: (ip) => LOCAL.has(ip) || ip.startsWith('127.'),
    ...o,
  };
}

describe.each(['legacy-save-v4.txt', 'nft-save-v4.txt'])('%s', (file) => {
  const rs = parseRuleset(fixture(file));

  it('traffic from one network to another is dropped by NK-ISOLATION', () => {
    const d = runChain(rs, 'filter', 'FORWARD', ctx({ src: '172.18.0.10', dst: '172.19.0.10' }, { iif: 'br-a', oif: 'br-b' }));
    expect(d).toMatchObject({ kind: 'drop', rule: { text: '-A NK-ISOLATION -o br-b -j DROP' } });
  });

  it('a published port passes isolation (DNAT returns from NK-ISOLATION) and is accepted into a nat network', () => {
    const d = runChain(
      rs,
      'filter',
      'FORWARD',
      ctx({ src: '172.21.0.10', dst: '172.18.0.10' }, { iif: 'br-d', oif: 'br-a', ct: { state: 'NEW', dnat: true, snat: false } }),
    );
    expect(d).toMatchObject({ kind: 'accept', rule: { text: '-A NK-FORWARD -o br-a -m conntrack --ctstate DNAT -j ACCEPT' } });
  });

  it('icc: false lets a link through on its port only', () => {
    const link = ctx({ src: '172.21.0.10', dst: '172.21.0.11', dport: 5432 }, { iif: 'br-d', oif: 'br-d' });
    expect(runChain(rs, 'filter', 'FORWARD', link)).toMatchObject({ kind: 'accept', rule: { text: expect.stringContaining('--dport 5432 -j ACCEPT') } });
    const other = ctx({ src: '172.21.0.10', dst: '172.21.0.11', dport: 80 }, { iif: 'br-d', oif: 'br-d' });
    expect(runChain(rs, 'filter', 'FORWARD', other)).toMatchObject({ kind: 'drop', rule: { text: '-A NK-FORWARD -i br-d -o br-d -j DROP' } });
    const back = ctx(
      { src: '172.21.0.11', dst: '172.21.0.10', proto: 'icmp', dport: undefined, icmpType: 0 },
      { iif: 'br-d', oif: 'br-d', ct: { state: 'ESTABLISHED', dnat: false, snat: false } },
    );
    expect(runChain(rs, 'filter', 'FORWARD', back)).toMatchObject({ kind: 'accept', rule: { text: expect.stringContaining('RELATED,ESTABLISHED') } });
  });

  it('nat PREROUTING: the first DNAT in netfilter order wins (Docker’s 8080 before netkeeper’s)', () => {
    const d = runChain(rs, 'nat', 'PREROUTING', ctx({ dport: 8080 }, { iif: 'eth0' }));
    expect(d).toMatchObject({ kind: 'dnat', ip: '192.0.2.2', port: 80 });
    const nk = runChain(rs, 'nat', 'PREROUTING', ctx({ dport: 8090 }, { iif: 'eth0' }));
    expect(nk).toMatchObject({
      kind: 'dnat',
      ip: '172.19.0.10',
      port: 80,
      rule: { text: '-A NK-PORTS-br-b -p tcp -m tcp --dport 8090 -j DNAT --to-destination 172.19.0.10:80' },
    });
  });

  it('a 127.0.0.1-only port: not from another machine (NK-PORTS skips 127/8 in PREROUTING), yes from the host (OUTPUT)', () => {
    expect(runChain(rs, 'nat', 'PREROUTING', ctx({ dport: 8181 }, { iif: 'eth0' }))).toMatchObject({ kind: 'accept' });
    const out = runChain(rs, 'nat', 'OUTPUT', ctx({ src: '127.0.0.1', dst: '127.0.0.1', dport: 8181 }, { oif: 'lo' }));
    expect(out).toMatchObject({ kind: 'dnat', ip: '172.18.0.10', port: 80 });
  });

  it('a port range keeps its port (DNAT without a port)', () => {
    expect(runChain(rs, 'nat', 'PREROUTING', ctx({ dport: 9001 }, { iif: 'eth0' }))).toMatchObject({ kind: 'dnat', ip: '172.18.0.10' });
  });

  it('POSTROUTING: outbound masquerade, and a user RETURN before it', () => {
    expect(runChain(rs, 'nat', 'POSTROUTING', ctx({ src: '172.18.0.10', dst: '8.8.8.8' }, { oif: 'eth0' }))).toMatchObject({ kind: 'masquerade' });
    expect(runChain(rs, 'nat', 'POSTROUTING', ctx({ src: '10.201.0.5', dst: '8.8.8.8' }, { oif: 'eth0' }))).toMatchObject({
      kind: 'accept',
      policyOf: 'POSTROUTING policy ACCEPT',
    });
  });

  it('raw: 127.0.0.0/8 arriving on a bridge is dropped', () => {
    expect(runChain(rs, 'raw', 'PREROUTING', ctx({ dst: '127.0.0.1' }, { iif: 'br-a' }))).toMatchObject({
      kind: 'drop',
      rule: { text: '-A NK-RAW -d 127.0.0.0/8 -i br-a -j DROP' },
    });
  });
});

describe('rule matches', () => {
  const m = (spec: string, c: HookCtx) => ruleMatches(parseRule('X', spec), c).kind;
  it('negation, interface wildcards, multiport, addrtype', () => {
    expect(m('! -s 10.0.0.0/8 -j ACCEPT', ctx({}))).toBe('nomatch');
    expect(m('-i veth+ -j ACCEPT', ctx({}, { iif: 'veth12' }))).toBe('match');
    expect(m('-i veth+ -j ACCEPT', ctx({}, { iif: 'eth0' }))).toBe('nomatch');
    expect(m('-p tcp -m multiport --dports 22,80:90 -j ACCEPT', ctx({ dport: 85 }))).toBe('match');
    expect(m('-m addrtype ! --dst-type LOCAL -j ACCEPT', ctx({}))).toBe('nomatch');
    expect(m('-p udp -j ACCEPT', ctx({}))).toBe('nomatch');
    expect(m('-p icmp -m icmp --icmp-type 8 -j ACCEPT', ctx({ proto: 'icmp', dport: undefined, icmpType: 8 }))).toBe('match');
  });
  it('what it cannot evaluate is unknown, naming the match — never a guess', () => {
    expect(ruleMatches(parseRule('X', '-m mark --mark 0x1 -j DROP'), ctx({}))).toEqual({ kind: 'unknown', why: 'cannot evaluate -m mark' });
    // an earlier option that does not match decides first
    expect(m('-s 192.168.0.0/16 -m mark --mark 0x1 -j DROP', ctx({}))).toBe('nomatch');
    const rs = parseRuleset('*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -m set --match-set bad src -j DROP\nCOMMIT\n');
    expect(runChain(rs, 'filter', 'FORWARD', ctx({}))).toMatchObject({ kind: 'unknown', rule: { text: '-A FORWARD -m set --match-set bad src -j DROP' } });
    // LOG changes nothing: an unknown match before it does not matter
    const log = parseRuleset('*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m limit --limit 1/s -j LOG\nCOMMIT\n');
    expect(runChain(log, 'filter', 'FORWARD', ctx({}))).toMatchObject({ kind: 'drop', policyOf: 'FORWARD policy DROP' });
  });
  it('quoted comments are one word', () => {
    expect(tokenize('-m comment --comment "user: no nat" -j RETURN')).toEqual(['-m', 'comment', '--comment', 'user: no nat', '-j', 'RETURN']);
  });
});
