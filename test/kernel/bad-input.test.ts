// Issue 9, items 2 and 4: addresses the kernel or the network cannot use are refused
// by `validate` at the field, and `reconcile --once` refuses the same files before
// touching anything: the kernel is unchanged (each of these used to pass validate
// and fail half-way, or be applied meaninglessly).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';
import { writeFiles, kernelSnapshot } from '../helpers/workdir.js';

let sb: Sandbox;
let dir: string;

const files = (contents: Record<string, string>) => writeFiles(dir, contents);

const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const _sh = async (script: string) => (await sb.sh(script)).stdout.trim();

const snapshot = () => kernelSnapshot(sb);

/** A converged baseline, so that "unchanged" means something. */
const BASE = `kind: Network
name: base
subnets: [{subnet: 172.20.0.0/24}]
---
kind: Container
name: keep
networks: [base]
ports: ["8080:80"]
`;

const NONE = (name: string) => `kind: Container\nname: ${name}\nmode: none\n`;

// [what, bad.yaml, code, line:col of the field, object]
const cases: [string, string, string, string, string][] = [
  ['a multicast subnet', 'kind: Network\nname: n\nsubnets:\n  - subnet: 224.1.0.0/24\n', 'unusable-address', '4:13', 'Network n'],
  ['an IPv6 multicast subnet', 'kind: Network\nname: n\nsubnets:\n  - subnet: "ff05::/64"\n', 'unusable-address', '4:13', 'Network n'],
  ['a link-local subnet', 'kind: Network\nname: n\nsubnets:\n  - subnet: 169.254.10.0/24\n', 'unusable-address', '4:13', 'Network n'],
  [
    'an IPv6 link-local subnet',
    'kind: Network\nname: n\nsubnets:\n  - subnet: 10.30.0.0/24\n  - subnet: "fe80::/64"\n',
    'unusable-address',
    '5:13',
    'Network n',
  ],
  ['a loopback subnet', 'kind: Network\nname: n\nsubnets:\n  - subnet: 127.1.0.0/16\n', 'unusable-address', '4:13', 'Network n'],
  ['the IPv6 loopback as a subnet', 'kind: Network\nname: n\nsubnets:\n  - subnet: "::1/128"\n', 'unusable-address', '4:13', 'Network n'],
  ['an IPv4-mapped subnet', 'kind: Network\nname: n\nsubnets:\n  - subnet: "::ffff:10.0.0.0/120"\n', 'unusable-address', '4:13', 'Network n'],
  ['an unspecified subnet', 'kind: Network\nname: n\nsubnets:\n  - subnet: 0.0.0.0/8\n', 'unusable-address', '4:13', 'Network n'],
  ['an IPv6 unspecified subnet', 'kind: Network\nname: n\nsubnets:\n  - subnet: "::/64"\n', 'unusable-address', '4:13', 'Network n'],
  ['a loopback entry inside 127/8', NONE('r') + 'loopback: [10.10.10.1/32, 127.0.0.2/32]\n', 'unusable-address', '4:27', 'Container r'],
  [
    'a multicast Link address',
    NONE('r') +
      '---\nkind: Link\nname: l\nendpoints:\n  - {container: r, ifname: p0, ip: 239.1.1.1/32}\n  - {container: host, ifname: nkp-r, ip: 10.9.9.1/32}\n',
    'unusable-address',
    '8:36',
    'Link l',
  ],
  [
    'an IPv6 network with MTU below 1280',
    'kind: Network\nname: n\nmtu: 1200\nsubnets:\n  - subnet: 10.31.0.0/24\n  - subnet: "fd00:31::/64"\n',
    'ipv6-mtu-too-small',
    '3:6',
    'Network n',
  ],
  [
    'an IPv6 Link with MTU below 1280',
    NONE('r') +
      '---\nkind: Link\nname: l\nmtu: 1000\nendpoints:\n  - {container: r, ifname: p0, ip: "fd00:9::1/128"}\n  - {container: host, ifname: nkp-r, ip: "fd00:9::2/128"}\n',
    'ipv6-mtu-too-small',
    '7:6',
    'Link l',
  ],
  [
    'a route via a gateway nothing reaches',
    'kind: Container\nname: c\nnetworks: [base]\nroutes:\n  - {to: 10.40.0.0/16, via: 10.41.0.1}\n',
    'route-gateway-unreachable',
    '5:29',
    'Container c',
  ],
  [
    'a route via a Link peer that has no address',
    NONE('r') +
      'routes:\n  - {to: 10.40.0.0/16, via: 10.9.9.2}\n---\nkind: Link\nname: l\nendpoints:\n  - {container: r, ifname: p0, ip: 10.9.9.1/32}\n  - {container: host, ifname: nkp-r}\n',
    'route-gateway-unreachable',
    '5:29',
    'Container r',
  ],
  [
    'a port published on [::1] from an IPv4-only network',
    'kind: Container\nname: c\nnetworks: [base]\nports: ["[::1]:8081:80"]\n',
    'port-family',
    '4:9',
    'Container c',
  ],
];

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-bad-'));
  await files({ 'base.yaml': BASE });
  const r = await nk('reconcile', '--once');
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
});
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('addresses the kernel or the network cannot use change nothing', () => {
  for (const [what, bad, code, at, object] of cases) {
    it(`refuses ${what}: ${code} at bad.yaml:${at}, in validate and in reconcile, kernel unchanged`, async () => {
      await files({ 'base.yaml': BASE, 'bad.yaml': bad });
      const before = await snapshot();
      const line = new RegExp(`^error: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/bad\\.yaml:${at}: ${object}: .* \\[${code}\\]$`, 'm');
      const v = await nk('validate');
      expect(v.exitCode).toBe(1);
      expect(v.stderr).toMatch(line);
      const r = await nk('reconcile', '--once');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(line);
      expect(r.stderr).toContain('nothing was applied');
      expect(await snapshot()).toBe(before);
    });
  }
  it('refuses at plan time a route via a next hop outside an automatic subnet (the files alone do not fix it)', async () => {
    await files({
      'base.yaml': BASE,
      'bad.yaml': 'kind: Network\nname: auto\n---\nkind: Container\nname: c\nnetworks: [auto]\nroutes:\n  - {to: 10.40.0.0/16, via: 192.168.250.1}\n',
    });
    const before = await snapshot();
    expect((await nk('validate')).exitCode).toBe(0);
    for (const cmd of [['plan'], ['reconcile', '--once']]) {
      const r = await nk(...cmd);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        /bad\.yaml:8:5: Container c: route to 10\.40\.0\.0\/16 via 192\.168\.250\.1: the next hop is not on any network .* \[route-gateway-unreachable\]/,
      );
      if (cmd[0] === 'reconcile') expect(r.stderr).toContain('nothing was applied');
    }
    expect(await snapshot()).toBe(before);
  });
  it('the baseline alone is still in sync', async () => {
    await files({ 'base.yaml': BASE });
    expect((await nk('plan')).exitCode).toBe(0);
  });
});
