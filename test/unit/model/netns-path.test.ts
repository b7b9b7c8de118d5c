// Issue 8 item 13: one helper gives a namespace's path, everywhere.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NETNS_DIR, namedNetnsPath, netnsPath, netnsPaths, specNetnsPath } from '../../../src/model/netns-path.js';
import { observeFirewall } from '../../../src/shell/observe/iptables.js';
import { observeOptionsFor } from '../../../src/shell/observe/options.js';
import type { Runner } from '../../../src/shell/runner.js';
import type { Resource } from '../../../src/model/resources.js';
import { config, ctr, observed } from '../plan/topology/fixtures.js';

describe('namespace paths', () => {
  it('named, by path and by pid', () => {
    expect(NETNS_DIR).toBe('/run/netns');
    expect(namedNetnsPath('web')).toBe('/run/netns/web');
    expect(specNetnsPath({ type: 'named', name: 'web-ns' })).toBe('/run/netns/web-ns');
    expect(specNetnsPath({ type: 'path', path: '/var/run/docker/netns/abc' })).toBe('/var/run/docker/netns/abc');
    expect(specNetnsPath({ type: 'pid', pid: 1234 })).toBe('/proc/1234/ns/net');
  });

  it('a known namespace is entered where its resource says; an unknown one is named; the host has none', () => {
    const known = netnsPaths([
      { kind: 'netns', name: 'rt', path: '/proc/42/ns/net' },
      { kind: 'link', name: 'x', path: '/nope' },
    ]);
    expect(known).toEqual({ rt: '/proc/42/ns/net' });
    expect(netnsPath('rt', known)).toBe('/proc/42/ns/net');
    expect(netnsPath('web', known)).toBe('/run/netns/web');
    expect(netnsPath('host', known)).toBeUndefined();
    expect(netnsPath('constructor', {})).toBe('/run/netns/constructor');
  });

  it('no other source file builds a /run/netns/ or /proc/PID/ns path', () => {
    const src = join(import.meta.dirname, '../../../src');
    const offenders: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('netns-path.ts')) {
          const code = readFileSync(p, 'utf8')
            .split('\n')
            .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l));
          for (const l of code) if (/[`'"]\/run\/netns|\/proc\/\$\{[^}]*\}\/ns/.test(l)) offenders.push(`${p}: ${l.trim()}`);
        }
      }
    };
    walk(src);
    expect(offenders).toEqual([]);
  });
});

describe('firewall plugin: an adopted router namespace', () => {
  it('reads its iptables through the path its namespace resource gives, not /run/netns/<name>', async () => {
    const calls: string[][] = [];
    const runner: Runner = {
      async run(cmd: string, args: string[] = []) {
        calls.push([cmd, ...args]);
        return { stdout: '', stderr: '', exitCode: 0 };
      },
    } as Runner;
    const rt: Resource = { kind: 'netns', key: 'netns:rt', ns: 'rt', owned: true, name: 'rt', origin: 'adopted', path: '/proc/4321/ns/net' };
    const obs = observed([rt]);
    const cfg = config({ containers: [ctr('rt', { netns: { type: 'pid', pid: 4321 }, mode: { type: 'none' }, masquerade: ['up0'] })] });
    await observeFirewall(runner, obs, observeOptionsFor(cfg).firewall!.routers);
    const inRt = calls.filter((c) => c[0] === 'nsenter');
    expect(inRt).toEqual([['nsenter', '--net=/proc/4321/ns/net', 'iptables-save']]);
  });

  it('reads every adopted namespace (its lo carries no mark), and skips one that cannot be entered', async () => {
    const calls: string[][] = [];
    const runner = {
      run: async (cmd: string, args: string[] = []) => (calls.push([cmd, ...args]), { stdout: '', stderr: '', exitCode: 0 }),
    } as unknown as Runner;
    const obs = observed([
      { kind: 'netns', key: 'netns:a', ns: 'a', owned: true, name: 'a', origin: 'adopted', path: '/proc/7/ns/net' },
      { kind: 'netns', key: 'netns:b', ns: 'b', owned: true, name: 'b', origin: 'adopted', path: '/tmp/file', broken: 'nsenter: reassociate failed' },
    ]);
    const cfg = config({
      containers: [
        ctr('a', { netns: { type: 'pid', pid: 7 }, mode: { type: 'none' } }),
        ctr('b', { netns: { type: 'path', path: '/tmp/file' }, mode: { type: 'none' } }),
      ],
    });
    await observeFirewall(runner, obs, observeOptionsFor(cfg).firewall!.routers);
    expect(calls.filter((c) => c[0] === 'nsenter')).toEqual([['nsenter', '--net=/proc/7/ns/net', 'iptables-save']]);
  });
});
