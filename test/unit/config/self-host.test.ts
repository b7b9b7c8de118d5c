import { describe, expect, test } from 'vitest';
import { selfHostErrors } from '../../../src/config/self-host.js';
import type { HostSpec } from '../../../src/model/config.js';

const host = (name: string, line: number): HostSpec => ({ kind: 'Host', name, address: '10.0.0.1', pos: { file: 'hosts.yaml', line, col: 1 } });

describe('which host am I', () => {
  test('no Host documents: any name (a single-host setup)', () => {
    expect(selfHostErrors([], 'anything')).toEqual([]);
  });
  test('a declared name', () => {
    expect(selfHostErrors([host('node-a', 1), host('node-b', 5)], 'node-b')).toEqual([]);
  });
  test('an undeclared name (a typo in --host, or the hostname default) is an error listing the declared hosts', () => {
    const [e, ...rest] = selfHostErrors([host('node-b', 5), host('node-a', 1)], 'node-x');
    expect(rest).toEqual([]);
    expect(e.code).toBe('unknown-self-host');
    expect(e.message).toContain('"node-x"');
    expect(e.message).toContain('node-a, node-b');
    expect(e.message).toContain('--host');
    expect(e.pos).toEqual({ file: 'hosts.yaml', line: 5, col: 1 });
  });
});
