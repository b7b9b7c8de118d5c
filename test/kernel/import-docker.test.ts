// Issue 14 item 1, `import --from docker`, against a real Docker daemon (Debian's
// docker.io) started by this test INSIDE the private sandbox (its own network and
// mount namespaces; its data, exec root and API socket under a temporary
// directory), never on the machine's own network. No registry is reached: the
// image is a tarball of the static busybox (busybox-static), `docker import`ed.
// Containers on the default bridge and on a user-defined bridge, with -p; the
// imported networks.d validates, describes them (sandbox namespaces, addresses,
// MACs, ports) and plans no delete and no replace.
//
// Skipped, with the reason printed, when dockerd, the docker CLI or a static
// busybox is missing, or dockerd does not come up. Slow (a daemon start): its own file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createSandbox, type Background, type Sandbox } from '../helpers/sandbox.js';
import { kernelSnapshot } from '../helpers/workdir.js';

const DOCKERD = '/usr/sbin/dockerd';
const DOCKER = ['/usr/bin/docker', '/usr/local/bin/docker'].find((p) => existsSync(p));
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(DOCKERD)) return `${DOCKERD} is missing (apt-get install docker.io)`;
  if (!DOCKER) return 'the docker CLI is missing (apt-get install docker.io)';
  if (!BUSYBOX) return 'no static busybox to build the image from (apt-get install busybox-static)';
  return undefined;
}

let skip = missing();
let sb: Sandbox;
let tmp: string;
let daemon: Background | undefined;
let env: Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: documents read back from YAML, checked by the assertions
const docs: Record<string, any>[] = [];
const sandboxKeys: Record<string, string> = {};
let cgroupParent = '';

const sh = async (script: string) => {
  const r = await sb.sh(script, { env, timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout.trim();
};

/** Processes started for this test (dockerd's containerd and shims), found by the temporary directory in their command line. */
async function ourProcesses(): Promise<number[]> {
  const pids: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (tmp && cmd.includes(tmp)) pids.push(Number(p));
  }
  return pids;
}

beforeAll(async () => {
  if (skip) return;
  sb = await createSandbox();
  tmp = await mkdtemp(join(tmpdir(), 'nk-import-docker-'));
  const sock = join(tmp, 'docker.sock');
  env = { DOCKER_HOST: `unix://${sock}` };
  cgroupParent = `nk-import-test-${tmp.slice(-6)}`;
  // the sandbox mounted a sysfs of its own over /sys, which hides the cgroup
  // hierarchies runc needs: mount them again as the machine has them (the same hierarchies), in the sandbox's mount namespace only
  const cgMounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' '))
    .filter(([, at, type]) => at?.startsWith('/sys/fs/cgroup') && (type === 'tmpfs' || type === 'cgroup' || type === 'cgroup2'));
  const cg = await sb.sh(['set -e', ...cgMounts.map(([src, at, type, o]) => `mkdir -p ${at} && mount -t ${type} -o ${o} ${src} ${at}`)].join('\n'));
  if (cg.exitCode !== 0) skip = `cannot give the sandbox the cgroup hierarchies: ${cg.stderr.trim()}`;
  if (skip) return;
  daemon = await sb.spawn(DOCKERD, [
    '--data-root',
    join(tmp, 'data'),
    '--exec-root',
    join(tmp, 'exec'),
    '--pidfile',
    join(tmp, 'docker.pid'),
    '-H',
    `unix://${sock}`,
    '--storage-driver',
    'vfs',
    '--userland-proxy=false',
    '--iptables=true',
    // the containers' cgroups (in the machine's hierarchies: there is one of each) under a name of this run, removed after it
    `--cgroup-parent=/${cgroupParent}`,
  ]);
  for (let i = 0; i < 300 && !skip; i++) {
    const v = await sb.sh(`${DOCKER} version --format '{{.Server.Version}}'`, { env });
    if (v.exitCode === 0) break;
    if (i === 299) skip = `dockerd did not answer within 60 s: ${daemon.output().split('\n').slice(-5).join(' | ')}`;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (skip) return;
  const img = join(tmp, 'img');
  await sh(
    [
      'set -e',
      `mkdir -p ${img}/bin && cp ${BUSYBOX} ${img}/bin/busybox`,
      `for x in sh sleep httpd; do ln -s busybox ${img}/bin/$x; done`,
      `tar -C ${img} -c . | ${DOCKER} import - nk-busybox:1 >/dev/null`,
      `${DOCKER} network create --subnet 172.30.0.0/24 --gateway 172.30.0.1 backend >/dev/null`,
      `${DOCKER} run -d --name web -p 8080:80 nk-busybox:1 /bin/httpd -f -p 80 >/dev/null`,
      `${DOCKER} run -d --name db --network backend --ip 172.30.0.10 -p 127.0.0.1:5432:5432 nk-busybox:1 /bin/sleep 3600 >/dev/null`,
      `${DOCKER} run -d --name app -p 9000-9001:9000-9001/udp nk-busybox:1 /bin/sleep 3600 >/dev/null`,
      `${DOCKER} network connect backend app`,
    ].join('\n'),
  );
  for (const n of ['web', 'db', 'app']) sandboxKeys[n] = await sh(`${DOCKER} inspect -f '{{.NetworkSettings.SandboxKey}}' ${n}`);
}, 180_000);

afterAll(async () => {
  if (sb && daemon && !skip) await sb.sh(`${DOCKER} rm -f web db app >/dev/null 2>&1; kill -TERM $(cat ${join(tmp, 'docker.pid')})`, { env });
  if (daemon) await Promise.race([daemon.exited, new Promise((r) => setTimeout(r, 30_000))]);
  // containerd and its shims, if dockerd left any: by pid, found by our temporary directory
  if (tmp) for (const pid of await ourProcesses()) process.kill(pid, 'SIGKILL');
  await sb?.destroy();
  // the cgroups made for this run's containers (empty once they are gone)
  if (cgroupParent)
    for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) await rmdir(`/sys/fs/cgroup/${h}/${cgroupParent}`).catch(() => undefined);
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 60_000);

describe('import --from docker', () => {
  it.runIf(!missing())(
    'imports the Docker networks and containers (read only), and the files validate',
    async (ctx) => {
      if (skip) {
        console.warn(`import --from docker: skipped: ${skip}`);
        ctx.skip();
      }
      const out = join(tmp, 'out');
      const before = await kernelSnapshot(sb);
      const r = await sb.netkeeper(['import', '--from', 'docker', '--out', out, '--log-level', 'warn'], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await kernelSnapshot(sb)).toBe(before);
      expect(r.stderr).toMatch(/^import: 2 networks, 3 containers, 0 links, 0 hosts/m);
      for (const f of (await readdir(out)).sort()) for (const d of parseAllDocuments(await readFile(join(out, f), 'utf8'))) if (d.contents) docs.push(d.toJS());
      const v = await sb.netkeeper(['validate', '--dir', out, '--log-level', 'warn']);
      expect(v.exitCode, v.stderr).toBe(0);

      const net = (n: string) => docs.find((d) => d.kind === 'Network' && d.name === n);
      const ctr = (n: string) => docs.find((d) => d.kind === 'Container' && d.name === n);
      expect(net('bridge')).toMatchObject({ interface: 'docker0', subnets: [{ subnet: '172.17.0.0/16', gateway: '172.17.0.1' }], gatewayMode: 'nat' });
      expect(net('backend')).toMatchObject({ subnets: [{ subnet: '172.30.0.0/24', gateway: '172.30.0.1' }], gatewayMode: 'nat' });
      expect(net('backend')?.interface).toMatch(/^br-[0-9a-f]{12}$/);
      for (const n of ['web', 'db', 'app']) expect(ctr(n)?.netns).toEqual({ path: sandboxKeys[n] });
      expect(ctr('web')).toMatchObject({ networks: [{ network: 'bridge', ifname: 'eth0' }], ports: ['8080:80'] });
      expect(ctr('db')).toMatchObject({
        networks: [{ network: 'backend', ifname: 'eth0', ip: '172.30.0.10', mac: '02:42:ac:1e:00:0a' }],
        ports: ['127.0.0.1:5432:5432'],
      });
      // two attachments, the one carrying the default route first (Docker picks the gateway
      // of `backend` here: its networks sort by name), each keeping its interface name
      const dev = (await sh(`nsenter --net=${sandboxKeys.app} ip route show default`)).match(/dev (\S+)/)?.[1];
      const atts = ((ctr('app')?.networks ?? []) as { network: string; ifname: string }[]).map((a) => [a.network, a.ifname]);
      expect(atts).toEqual(
        dev === 'eth0'
          ? [
              ['bridge', 'eth0'],
              ['backend', 'eth1'],
            ]
          : [
              ['backend', 'eth1'],
              ['bridge', 'eth0'],
            ],
      );
      expect(ctr('app')?.ports).toEqual(['9000-9001:9000-9001/udp']);
      expect(await readFile(join(out, 'containers.yaml'), 'utf8')).toMatch(/# Docker container [0-9a-f]{12} \(image nk-busybox:1\), pid \d+/);
    },
    120_000,
  );

  it.runIf(!missing())(
    'plans no delete and no replace of what Docker made',
    async (ctx) => {
      if (skip) ctx.skip();
      const adopt = (await sb.netkeeper(['plan', '--help'])).stdout.includes('--adopt');
      const r = await sb.netkeeper(['plan', '--dir', join(tmp, 'out'), '--json', '--log-level', 'warn', ...(adopt ? ['--adopt'] : [])]);
      expect([0, 2, 3], r.stderr).toContain(r.exitCode);
      const plan = JSON.parse(r.stdout) as { changes: { action: string }[]; conflicts: { code: string; message: string }[] };
      expect(plan.changes.filter((c) => c.action === 'delete' || c.action === 'replace')).toEqual([]);
      // dockerd itself holds each published host port (its port reservation, even without the
      // userland proxy): the host checks name it; the rest are the existing, unowned objects
      const codes = new Set(plan.conflicts.map((c) => c.code));
      codes.delete('port-in-use');
      for (const c of plan.conflicts.filter((x) => x.code === 'port-in-use')) expect(c.message).toMatch(/dockerd/);
      expect(codes).toEqual(adopt ? new Set() : new Set(['unowned-in-the-way']));
    },
    60_000,
  );

  it.runIf(!missing())('without a daemon: one error line, exit 1, nothing written', async (ctx) => {
    if (skip) ctx.skip();
    const out = join(tmp, 'none');
    const r = await sb.netkeeper(['import', '--from', 'docker', '--out', out], { env: { DOCKER_HOST: `unix://${join(tmp, 'nobody.sock')}` } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: --from docker: no Docker daemon answers: .*nobody\.sock/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  });
});

it.skipIf(!missing())('import --from docker (skipped)', () => {
  console.warn(`import --from docker: skipped: ${missing()}`);
});
