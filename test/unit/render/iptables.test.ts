import { describe, expect, it } from 'vitest';
import { renderIptables, staleUdpPorts } from '../../../src/render/iptables.js';
import { key } from '../../../src/model/resources.js';
import type { ChainRes, HookRes, IptFamily } from '../../../src/model/resources.js';
import type { Change } from '../../../src/model/plan.js';

function chain(name: string, rules: string[], o: { table?: string; ns?: string; family?: IptFamily; userOwned?: boolean } = {}): ChainRes {
  const { table = 'filter', ns = 'host', family = 'ipv4' } = o;
  return {
    kind: 'chain',
    key: key.chain(ns, family, table, name),
    ns,
    owned: true,
    family,
    table,
    chain: name,
    rules,
    ...(o.userOwned ? { userOwned: true } : {}),
  };
}
function hook(builtin: string, target: string, rule: string, position: 'first' | 'last', table = 'filter', ns = 'host'): HookRes {
  return { kind: 'hook', key: key.hook(ns, 'ipv4', table, builtin, target), ns, owned: true, family: 'ipv4', table, chain: builtin, rule, position };
}
const create = (r: ChainRes | HookRes): Change => ({ action: 'create', key: r.key, after: r, reason: 'declared' });
const update = (b: ChainRes | HookRes, a: ChainRes | HookRes): Change => ({ action: 'update', key: a.key, before: b, after: a, reason: 'differs' });
const del = (b: ChainRes | HookRes): Change => ({ action: 'delete', key: b.key, before: b, reason: 'no longer declared' });

const fwdHook = hook('FORWARD', 'NK-FORWARD', '-m comment --comment netkeeper -j NK-FORWARD', 'first');

describe('renderIptables', () => {
  it('no changes: no batch, no process', () => {
    expect(renderIptables([])).toEqual([]);
  });

  it('creation: declare the chains, fill them, then hook them in (-I first, -A last)', () => {
    const out = renderIptables([
      create(chain('NK-USER', [], { userOwned: true })),
      create(chain('NK-FORWARD', ['-j NK-USER', '-i br0 -j ACCEPT'])),
      create(fwdHook),
      create(chain('NK-POSTROUTING', ['-s 10.0.0.0/24 ! -o br0 -j MASQUERADE'], { table: 'nat' })),
      create(hook('POSTROUTING', 'NK-POSTROUTING', '-m comment --comment netkeeper -j NK-POSTROUTING', 'last', 'nat')),
    ]);
    expect(out.map((b) => [b.ns, b.family, b.table])).toEqual([
      ['host', 'ipv4', 'nat'],
      ['host', 'ipv4', 'filter'],
    ]);
    expect(out[1].text).toBe(
      [
        '*filter',
        ':NK-USER - [0:0]',
        ':NK-FORWARD - [0:0]',
        '-A NK-FORWARD -j NK-USER',
        '-A NK-FORWARD -i br0 -j ACCEPT',
        '-I FORWARD -m comment --comment netkeeper -j NK-FORWARD',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(out[0].text).toContain('-A POSTROUTING -m comment --comment netkeeper -j NK-POSTROUTING\n');
    for (const b of out) expect(b.text).not.toMatch(/^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /m);
  });

  it('a changed chain is the only one declared (and so the only one flushed) and is rewritten whole', () => {
    const a = chain('NK-PORTS-br0', ['-p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80'], { table: 'nat' });
    const b = chain(
      'NK-PORTS-br0',
      ['-p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.0.0.2:80', '-p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.2:53'],
      { table: 'nat' },
    );
    const [batch, ...rest] = renderIptables([update(a, b)]);
    expect(rest).toEqual([]);
    expect(batch.text).toBe(
      [
        '*nat',
        ':NK-PORTS-br0 - [0:0]',
        '-A NK-PORTS-br0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.0.0.2:80',
        '-A NK-PORTS-br0 -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.2:53',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('NK-USER is never rewritten, even when asked', () => {
    const before = chain('NK-USER', ['-s 10.9.9.9/32 -j DROP'], { userOwned: true });
    const after = chain('NK-USER', [], { userOwned: true });
    expect(renderIptables([update(before, after)])).toEqual([]);
  });

  it('hooks are removed by full spec, never by position; a changed hook is removed then added', () => {
    const old = hook('PREROUTING', 'NK-PORTS', '-m addrtype --dst-type LOCAL -m comment --comment netkeeper -j NK-PORTS', 'last', 'nat');
    const neu = hook('PREROUTING', 'NK-PORTS', '! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment netkeeper -j NK-PORTS', 'last', 'nat');
    const [b] = renderIptables([update(old, neu)]);
    expect(b.text).toBe(
      [
        '*nat',
        '-D PREROUTING -m addrtype --dst-type LOCAL -m comment --comment netkeeper -j NK-PORTS',
        '-A PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment netkeeper -j NK-PORTS',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('deleting chains: jumps go first, referring chains are rewritten, then -X in a second transaction', () => {
    const ports = chain('NK-PORTS', ['-j NK-PORTS-br0', '-j NK-PORTS-br1'], { table: 'nat' });
    const ports2 = chain('NK-PORTS', ['-j NK-PORTS-br0'], { table: 'nat' });
    const gone = chain('NK-PORTS-br1', ['-p tcp -m tcp --dport 1 -j DNAT --to-destination 10.1.0.2:1'], { table: 'nat' });
    const [b] = renderIptables([del(gone), update(ports, ports2)]);
    expect(b.text).toBe(
      ['*nat', ':NK-PORTS-br1 - [0:0]', ':NK-PORTS - [0:0]', '-A NK-PORTS -j NK-PORTS-br0', 'COMMIT', '*nat', '-X NK-PORTS-br1', 'COMMIT', ''].join('\n'),
    );
    const all = renderIptables([del(fwdHook), del(chain('NK-FORWARD', ['-j NK-USER'])), del(chain('NK-USER', [], { userOwned: true }))]);
    expect(all[0].text).toBe(
      [
        '*filter',
        ':NK-FORWARD - [0:0]',
        ':NK-USER - [0:0]',
        '-D FORWARD -m comment --comment netkeeper -j NK-FORWARD',
        'COMMIT',
        '*filter',
        '-X NK-FORWARD',
        '-X NK-USER',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('one batch per namespace, family and table', () => {
    const out = renderIptables([
      create(chain('NK-POSTROUTING', ['-o eth0 -j MASQUERADE'], { table: 'nat', ns: 'r1' })),
      create(chain('NK-FORWARD', ['-j NK-USER'], { family: 'ipv6' })),
      create(chain('NK-FORWARD', ['-j NK-USER'])),
      create(chain('NK-RAW', ['-d 127.0.0.0/8 -i br0 -j DROP'], { table: 'raw' })),
    ]);
    expect(out.map((b) => `${b.ns} ${b.family} ${b.table}`)).toEqual(['host ipv4 raw', 'host ipv4 filter', 'host ipv6 filter', 'r1 ipv4 nat']);
  });

  it('ignores changes that are not chains or hooks', () => {
    expect(
      renderIptables([
        { action: 'create', key: 'sysctl:host/x', after: { kind: 'sysctl', key: 'sysctl:host/x', ns: 'host', owned: true, name: 'x', value: '1' }, reason: '' },
      ]),
    ).toEqual([]);
  });
});

describe('staleUdpPorts', () => {
  const before = chain(
    'NK-PORTS-br0',
    [
      '-p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.2:53',
      '-d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.0.0.2:53',
      '-p udp -m udp --dport 7000:7001 -j DNAT --to-destination 10.0.0.2',
      '-p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.2:80',
    ],
    { table: 'nat' },
  );

  it('a UDP port whose target moved or went away is stale; unchanged ones and TCP are not', () => {
    const after = chain(
      'NK-PORTS-br0',
      [
        '-p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.3:53',
        '-d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.0.0.2:53',
        '-p udp -m udp --dport 7000 -j DNAT --to-destination 10.0.0.2:7000',
        '-p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.3:80',
      ],
      { table: 'nat' },
    );
    expect(staleUdpPorts([update(before, after)])).toEqual([
      { ns: 'host', family: 'ipv4', port: 53 },
      { ns: 'host', family: 'ipv4', port: 7001 },
    ]);
  });

  it('a port moving to another bridge’s chain is not stale when its target is the same; a deleted chain’s ports are', () => {
    const moved = chain('NK-PORTS-br1', ['-d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.1.0.9:53'], { table: 'nat' });
    expect(staleUdpPorts([del(before), create(moved)]).map((s) => [s.port, s.hostIP])).toEqual([
      [53, undefined],
      [5353, '127.0.0.1'],
      [7000, undefined],
      [7001, undefined],
    ]);
  });
});

describe('chainRuleDiff', () => {
  it('names added and removed rules, and a pure reorder', async () => {
    const { chainRuleDiff } = await import('../../../src/plan/firewall.js');
    expect(chainRuleDiff(['-j A', '-j B', '-j B'], ['-j B', '-j C'])).toEqual(['- -j A', '- -j B', '+ -j C']);
    expect(chainRuleDiff(['-j A', '-j B'], ['-j B', '-j A'])).toEqual(['~ same rules, new order']);
    expect(chainRuleDiff(['-j A'], ['-j A'])).toEqual([]);
  });
});
