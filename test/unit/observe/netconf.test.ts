// Pure parsers against real iproute2 output: captured in a sandbox by
// test/fixtures/ip/capture.sh, plus the reference samples.

import { describe, expect, it } from 'vitest';
import type { NetconfEntry } from '../../../src/observe/ip-json.js';
import { parseNetconf } from '../../../src/observe/netconf.js';
import { parseNsBatch } from '../../../src/observe/observed.js';
import { fixture, fixtureJson } from './fixtures.js';

const host = parseNsBatch(fixture('host_batch.txt'), true);
const web = parseNsBatch(fixture('ns_web_batch.txt'));
const r1 = parseNsBatch(fixture('ns_r1_batch.txt'));

describe('netconf', () => {
  it('forwarding per family as sysctls', () => {
    expect(parseNetconf(host.netconf, 'host')).toEqual([
      { kind: 'sysctl', key: 'sysctl:host/net.ipv4.ip_forward', ns: 'host', owned: true, name: 'net.ipv4.ip_forward', value: '1' },
      { kind: 'sysctl', key: 'sysctl:host/net.ipv6.conf.all.forwarding', ns: 'host', owned: true, name: 'net.ipv6.conf.all.forwarding', value: '0' },
    ]);
    expect(parseNetconf(web.netconf, 'web').find((s) => s.name === 'net.ipv4.ip_forward')!.value).toBe('0');
    expect(parseNetconf(r1.netconf, 'r1').find((s) => s.name === 'net.ipv4.ip_forward')!.value).toBe('1');
    expect(parseNetconf(fixtureJson<NetconfEntry[]>('netconf.json'), 'host')).toHaveLength(2);
  });
});
