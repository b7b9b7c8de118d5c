// Issue 14 item 1 in a private sandbox: `netkeeper import` on a host built by hand
// the way Docker and the manual recipes build it (test/helpers/legacy-host.ts)
// writes a networks.d that validates, describes every object (subnets, gateways,
// addresses, MACs, published ports, the /32 cable), plans no delete and no replace,
// reports what it cannot express (stderr and file comments), and leaves the kernel
// byte-identical.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CLIENT, ECHO_SERVER, echoes, waitFor } from '../helpers/long-connection.js';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';
import { kernelSnapshot } from '../helpers/workdir.js';
import { buildLegacyHost, LEGACY } from '../helpers/legacy-host.js';

let sb: Sandbox;
let tmp: string;
let out: string;
let docs: Record<string, unknown>[];
let importErr: string;

const nk = (...args: string[]) => sb.netkeeper([...args, '--log-level', 'warn']);
// biome-ignore lint/suspicious/noExplicitAny: documents read back from YAML, checked by the assertions
const byName = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.name === name) as Record<string, any> | undefined;

async function readDocs(dir: string): Promise<Record<string, unknown>[]> {
  const all: Record<string, unknown>[] = [];
  for (const f of (await readdir(dir)).sort()) for (const d of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) if (d.contents) all.push(d.toJS());
  return all;
}

beforeAll(async () => {
  sb = await createSandbox();
  tmp = await mkdtemp(join(tmpdir(), 'nk-import-'));
  out = join(tmp, 'out');
  await buildLegacyHost(sb);
}, 60_000);
afterAll(async () => {
  await sb?.destroy();
  await rm(tmp, { recursive: true, force: true });
});

describe('import of a hand-built Docker-like host', () => {
  it('reads only: the kernel (links, addresses, routes, every iptables table, sysctls, /etc/netns) is byte-identical after it', async () => {
    const before = await kernelSnapshot(sb);
    const r = await nk('import', '--out', out);
    expect(r.exitCode, r.stderr).toBe(0);
    importErr = r.stderr;
    expect(r.stderr).toMatch(/^import: 2 networks, 6 containers, 1 links, 0 hosts \(wrote .*networks\.yaml/m);
    const s = await nk('import');
    expect(s.exitCode, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^# file: networks\.yaml$/m);
    expect(s.stdout).toMatch(/^# file: containers\.yaml$/m);
    expect(await kernelSnapshot(sb)).toBe(before);
    docs = await readDocs(out);
    // the stream on stdout holds the same documents
    expect(parseAllDocuments(s.stdout).map((d) => d.toJS())).toEqual([...docs].sort((a, b) => kindOrder(a) - kindOrder(b)));
  });

  it('writes one file per kind that netkeeper validate accepts', async () => {
    expect((await readdir(out)).sort()).toEqual(['containers.yaml', 'links.yaml', 'networks.yaml']);
    const v = await nk('validate', '--dir', out);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toContain('2 networks, 6 containers, 1 links');
  });

  it('describes the bridges as Networks: subnet and gateway from the address, MTU, nat from the MASQUERADE, icc from the DROP, docker0 as `bridge`', async () => {
    const d0 = byName('Network', 'bridge');
    expect(d0).toMatchObject({
      interface: 'docker0',
      subnets: [{ subnet: LEGACY.docker0.subnet, gateway: LEGACY.docker0.gateway }],
      mtu: 1500,
      gatewayMode: 'nat',
    });
    expect(d0?.icc).toBeUndefined();
    const b0 = byName('Network', 'bridge0');
    expect(b0).toMatchObject({
      interface: 'bridge0',
      subnets: [{ subnet: LEGACY.bridge0.subnet, gateway: LEGACY.bridge0.gateway }],
      gatewayMode: 'nat',
      icc: false,
    });
    const text = await readFile(join(out, 'networks.yaml'), 'utf8');
    expect(text).toContain("# Docker's default bridge docker0");
    expect(text).toContain('# gatewayMode nat: MASQUERADE of 172.17.0.0/16 ! -o docker0');
  });

  it('describes the namespaces as Containers of the same name (taken over by --adopt), with interface, host end, address, MAC and published ports', async () => {
    for (const [ns, ip] of Object.entries(LEGACY.docker0.members)) {
      const c = byName('Container', ns);
      expect(c?.netns).toBeUndefined(); // /run/netns/<name>: netkeeper's own kind of namespace
      const mac =
        '02:42:' +
        ip
          .split('.')
          .map((b) => Number(b).toString(16).padStart(2, '0'))
          .join(':');
      expect(c?.networks).toEqual([{ network: 'bridge', ifname: 'eth0', hostIfname: `veth-${ns}`, ip, mac }]);
      expect(c?.routes).toBeUndefined(); // the default route is the network's gateway: implied
    }
    expect(byName('Container', 'c1')?.ports).toEqual(['8080:80']);
    expect(byName('Container', 'app')).toMatchObject({ networks: [{ network: 'bridge0', ip: LEGACY.bridge0.members.app }], ports: ['9090:80'] });
    for (const ns of ['left', 'right']) expect(byName('Container', ns)?.networks).toEqual([]);
  });

  it('describes the namespace↔namespace veth as a Link with its /32 addresses (its host routes implied)', async () => {
    const l = byName('Link', 'left-right');
    const { a, b } = LEGACY.cable;
    expect(l?.endpoints).toMatchObject([
      { container: a.ns, ifname: a.ifname, ip: `${a.ip}/32` },
      { container: b.ns, ifname: b.ifname, ip: `${b.ip}/32` },
    ]);
    expect(byName('Container', 'left')?.routes).toBeUndefined();
  });

  it('plans no delete and no replace of what exists (only adoption conflicts on the unowned objects)', async () => {
    const adopt = (await nk('plan', '--help')).stdout.includes('--adopt');
    const r = await nk('plan', '--dir', out, '--json', ...(adopt ? ['--adopt'] : []));
    expect([0, 2, 3], r.stderr).toContain(r.exitCode);
    const plan = JSON.parse(r.stdout) as { changes: { action: string; key: string }[]; conflicts: { code: string }[] };
    expect(plan.changes.filter((c) => c.action === 'delete' || c.action === 'replace')).toEqual([]);
    // without --adopt the only objections are the existing, unowned objects themselves
    expect(new Set(plan.conflicts.map((c) => c.code))).toEqual(adopt ? new Set() : new Set(['unowned-in-the-way']));
    expect(r.stderr).not.toMatch(/subnet-overlaps-host-route/);
  });

  it('reports on stderr and in the files what it cannot express; never overwrites an existing file', async () => {
    expect(importErr).toMatch(/0 things not imported/);
    const before = await readFile(join(out, 'networks.yaml'), 'utf8');
    await sb.sh(
      [
        'set -e',
        'iptables -A INPUT -p tcp --dport 22 -j ACCEPT',
        'iptables -t nat -A PREROUTING -p udp -m udp --dport 5353 -j DNAT --to-destination 10.99.0.9:53',
        'ip -n c2 link add x0 type veth peer name x1',
        'ip link add vx42 type vxlan id 42 local 10.9.9.1 dstport 4789 nolearning',
        'ip link add ov0 type bridge && ip link set vx42 master ov0',
        'bridge fdb append 00:00:00:00:00:00 dev vx42 dst 10.9.9.2',
      ].join('\n'),
    );
    const snap = await kernelSnapshot(sb);
    const r = await nk('import', '--out', out);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: .*networks\.yaml.* already exist/m);
    expect(await readFile(join(out, 'networks.yaml'), 'utf8')).toBe(before);

    const out2 = join(tmp, 'out2');
    const r2 = await nk('import', '--out', out2);
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(r2.stderr).toContain('not imported: iptables: -t filter -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT: not expressed by the files');
    expect(r2.stderr).toContain('DNAT to 10.99.0.9, which is no imported container');
    expect(r2.stderr).toContain('not imported: Container c2: x0: a veth pair with both ends in the namespace (x1): not imported');
    expect(r2.stderr).toMatch(/FDB entry 00:00:00:00:00:00 dst 10\.9\.9\.2/);
    const containers = await readFile(join(out2, 'containers.yaml'), 'utf8');
    expect(containers).toContain('# not imported: x1: a veth pair with both ends in the namespace (x0): not imported');
    expect(await readFile(join(out2, 'networks.yaml'), 'utf8')).toContain('# - iptables: -t filter -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT');
    // the overlay: a Network with its VNI, this machine and the remote VTEP as Hosts
    const d2 = await readDocs(out2);
    expect(d2.find((d) => d.kind === 'Network' && d.interface === 'ov0')).toMatchObject({ driver: 'overlay', vni: 42 });
    const hosts = d2.filter((d) => d.kind === 'Host').map((d) => d.address);
    expect(hosts.sort()).toEqual(['10.9.9.1', '10.9.9.2']);
    expect((await nk('validate', '--dir', out2)).exitCode).toBe(0);
    expect(await kernelSnapshot(sb)).toBe(snap);
  });
});

// Issue 14 item 3, chained: the files `import` wrote are adopted as they are.

describe('round trip: import → plan --adopt → reconcile --adopt → destroy', () => {
  it('adopts the imported files with an open TCP connection alive, everything reachable as before, a second plan empty; destroy removes only what was adopted', async () => {
    const reach = async () => {
      for (const ip of ['172.17.0.2', '172.17.0.3', '172.17.0.4', '192.168.5.10']) expect(await sb.ping(undefined, ip), `host → ${ip}`).toBe(true);
      expect(await sb.ping('c1', '172.17.0.3'), 'c1 → c2').toBe(true);
      expect(await sb.ping('left', '10.1.1.2'), 'left → right over the /32 cable').toBe(true);
    };
    await reach();
    const server = await sb.spawn('ip', ['netns', 'exec', 'c2', process.execPath, '-e', ECHO_SERVER, '7000'], { readyLine: 'listening' });
    const conn = await sb.spawn('ip', ['netns', 'exec', 'c1', process.execPath, '-e', CLIENT, '172.17.0.3', '7000']);
    await waitFor('the connection echoes', () => echoes(conn) > 2);

    const plan = await nk('plan', '--dir', out, '--adopt', '--json');
    expect(plan.exitCode, plan.stderr).toBe(2);
    const p = JSON.parse(plan.stdout) as { changes: { action: string; key: string }[]; conflicts: unknown[] };
    expect(p.conflicts).toEqual([]);
    expect(p.changes.filter((c) => c.action === 'delete' || c.action === 'replace')).toEqual([]);
    for (const k of ['link:host/docker0', 'link:host/bridge0', 'netns:c1', 'netns:app', 'link:left/p2p0']) expect(p.changes.map((c) => c.key)).toContain(k);

    const before = echoes(conn);
    const applied = await nk('reconcile', '--once', '--dir', out, '--adopt');
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    await waitFor('the connection echoes after the adoption', () => echoes(conn) > before + 10);
    expect(conn.output()).not.toContain('error');
    expect(conn.output().match(/connected/g)).toHaveLength(1);
    await reach();
    const again = await nk('plan', '--dir', out);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    // the hand-written DNAT rules netkeeper's chains now make redundant are listed, with
    // the command that removes them — and left in place
    expect(again.stderr).toContain(
      'iptables -t nat -D PREROUTING -p tcp -m tcp --dport 9090 -j DNAT --to-destination 192.168.5.10:80 [redundant-foreign-rule]',
    );
    expect(again.stderr).toContain(
      'iptables -t nat -D DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80 [redundant-foreign-rule]',
    );
    await conn.kill();
    await server.kill();

    // destroy: what was adopted goes; the user's own objects added since (a VXLAN device
    // on its bridge, an INPUT rule) and the hand-written rules stay
    const destroyed = await nk('destroy', '--yes', '--dir', out);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await sb.sh('ip netns list').then((r) => r.stdout.trim())).toBe('');
    const links = (await sb.sh('ip -br link | cut -d" " -f1 | cut -d@ -f1 | sort | tr "\\n" " "')).stdout.trim();
    expect(links).toBe('lo ov0 vx42');
    expect((await sb.sh('iptables-save -t filter')).stdout).toContain('-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT');
    expect((await sb.sh('iptables-save -t nat')).stdout).not.toContain('NK-');
  }, 180_000);
});

function kindOrder(d: Record<string, unknown>): number {
  return ['Network', 'Container', 'Link', 'Host'].indexOf(String(d.kind));
}
