// Pure parsers against real iproute2 output: captured in a sandbox by
// test/fixtures/ip/capture.sh, plus the reference samples.

import { describe, expect, it } from 'vitest';
import { HOST_BATCH, NS_BATCH, batchInput, fdbBatchInput, splitBatch } from '../../../src/observe/batch.js';
import { parseJsonArray } from '../../../src/observe/ip-json.js';
import { parseNsBatch } from '../../../src/observe/observed.js';
import { fixture } from './fixtures.js';

const host = parseNsBatch(fixture('host_batch.txt'), true);

describe('batch output', () => {
  it('has one JSON array per command, in order', () => {
    expect(splitBatch(fixture('host_batch.txt'), HOST_BATCH)).toHaveLength(HOST_BATCH.length);
    expect(splitBatch(fixture('ns_web_batch.txt'), NS_BATCH)).toHaveLength(NS_BATCH.length);
    expect(host.links.map((l) => l.ifname)).toContain('br-nk');
    expect(host.addrs.every((l) => Array.isArray(l.addr_info))).toBe(true);
    expect(host.mainRoutes!.length).toBeGreaterThan(0);
  });

  it('refuses output that cannot be aligned with the commands (ip stops at the first error)', () => {
    const short = fixture('ns_web_batch.txt').split('\n').slice(0, 2).join('\n');
    expect(() => parseNsBatch(short)).toThrow(/expected 5 JSON documents.*got 2/);
    expect(() => parseJsonArray('{"a":1}', 'x')).toThrow(/not a JSON array/);
    expect(() => parseJsonArray('[{', 'x')).toThrow(/cannot parse x/);
  });

  it('renders batch input', () => {
    expect(batchInput(['link show', 'addr show'])).toBe('link show\naddr show\n');
    expect(fdbBatchInput(['vx-a', 'vx-b'])).toBe('fdb show dev vx-a\nfdb show dev vx-b\n');
    expect(NS_BATCH).toContain('route show table all proto 77');
  });
});
