// Probing expectations with fake tools: one listener per namespace/protocol/port,
// every listener stopped, what silence means, the why hook, skipped ones.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfig } from '../../../../src/config/index.js';
import { buildTopology } from '../../../../src/plan/topology/index.js';
import { probeExpectations } from '../../../../src/shell/probe/run.js';
import type { Listener, ProbeTools } from '../../../../src/shell/probe/tools.js';
import { failedExpectations, formatOutcomes, summarizeOutcomes } from '../../../../src/expect/result.js';
import { observed } from '../../plan/topology/fixtures.js';

const FILES = `kind: Network
name: front
subnets: [{subnet: 10.66.0.0/24}]
---
kind: Container
name: web
networks: [{network: front, ip: 10.66.0.10}]
---
kind: Container
name: db
networks: [{network: front, ip: 10.66.0.20}]
---
kind: Expect
name: tcp-a
from: web
to: db
port: 5432
---
kind: Expect
name: tcp-b
from: host
to: db
port: 5432
---
kind: Expect
name: dns
from: web
to: db
port: 53
protocol: udp
---
kind: Expect
name: ping
from: web
to: db
result: unreachable
---
kind: Expect
name: outside
from: 203.0.113.9
to: db
`;

function setup(listenState: Listener['state'], verdicts: Record<string, string>) {
  const r = parseConfig([{ path: 'a.yaml', text: FILES }]);
  if (!r.ok) throw new Error('config');
  const topo = buildTopology(r.value, observed(), 'me');
  if (!topo.ok) throw new Error('topology');
  const events: string[] = [];
  const tools: ProbeTools = {
    async listen(ns, proto, port) {
      events.push(`listen ${ns.label} ${proto}/${port}`);
      return { state: listenState, stop: async () => void events.push(`stop ${ns.label} ${proto}/${port}`) };
    },
    async probe(p) {
      events.push(`probe ${p.name}`);
      return { verdict: verdicts[p.name] as 'reachable', detail: 'fake' };
    },
  };
  const log = pino({ level: 'silent' });
  return { config: r.value, topo: topo.value, tools, events, log };
}

describe('probeExpectations', () => {
  it('one listener per namespace and port, all stopped; verdicts against the expected result', async () => {
    const t = setup('ready', { 'tcp-a': 'reachable', 'tcp-b': 'reachable', dns: 'silent', ping: 'reachable' });
    const rs = await probeExpectations(
      t.config.expects!,
      { topo: t.topo, hostAddresses: [] },
      {
        tools: t.tools,
        log: t.log,
        now: () => new Date('2026-01-01T00:00:00Z'),
        why: (x) => (x.name === 'ping' ? 'NK-ISOLATION would drop it' : undefined),
      },
    );
    expect(t.events.filter((e) => e.startsWith('listen')).sort()).toEqual(['listen db tcp/5432', 'listen db udp/53']);
    expect(t.events.filter((e) => e.startsWith('stop')).sort()).toEqual(['stop db tcp/5432', 'stop db udp/53']);
    // listeners first, stops last
    expect(t.events.findIndex((e) => e.startsWith('stop'))).toBeGreaterThan(
      t.events.length - 1 - [...t.events].reverse().findIndex((e: string) => e.startsWith('probe')),
    );
    expect(rs.map((r) => [r.name, r.verdict, r.held])).toEqual([
      ['tcp-a', 'reachable', true],
      ['tcp-b', 'reachable', true],
      ['dns', 'unreachable', false], // our own listener echoes: silence is unreachable
      ['ping', 'reachable', false],
      ['outside', 'skipped', undefined],
    ]);
    expect(rs.find((r) => r.name === 'ping')!.why).toBe('NK-ISOLATION would drop it');
    expect(failedExpectations(rs).map((r) => r.name)).toEqual(['dns', 'ping']);
    expect(summarizeOutcomes(rs)).toBe('5 expectations: 2 hold, 2 failed (dns, ping), 1 skipped');
    expect(formatOutcomes(rs)[3]).toBe(
      'FAIL  ping     web → db (icmp) (10.66.0.20): reachable (fake), expected unreachable\n      why:\n        NK-ISOLATION would drop it',
    );
  });

  it('silence from a port another program holds is unknown, and fails either way', async () => {
    const t = setup('busy', { 'tcp-a': 'reachable', 'tcp-b': 'reachable', dns: 'silent', ping: 'unreachable' });
    const rs = await probeExpectations(t.config.expects!, { topo: t.topo, hostAddresses: [] }, { tools: t.tools, log: t.log, now: () => new Date() });
    expect(rs.find((r) => r.name === 'dns')).toMatchObject({ verdict: 'unknown', held: false, detail: expect.stringContaining('held by another program') });
  });

  it('nothing declared: no tool is touched', async () => {
    const t = setup('ready', {});
    expect(await probeExpectations([], { topo: t.topo, hostAddresses: [] }, { tools: t.tools, log: t.log, now: () => new Date() })).toEqual([]);
    expect(t.events).toEqual([]);
  });
});
