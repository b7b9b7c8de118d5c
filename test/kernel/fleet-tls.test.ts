// The fleet store over TLS with client certificates: one etcd member (Debian's
// etcd-server) in its own namespace of the sandbox, serving only https and asking
// every client for a certificate (--client-cert-auth), with certificates made for
// the test by openssl in a temp dir (a CA, the member's certificate for its IP,
// a client certificate; a second CA and a client certificate of it, which the
// member must refuse). Hosts run `reconcile --once` (lean: no lease to keep alive).
//
// Skipped, with the reason printed, when etcd or openssl cannot be run.

import { afterAll, beforeAll, describe, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machinesOnLan, waitFor, skippableIt } from '../helpers/fleet.js';
import { createSandbox, type Background, type Machine, type Sandbox } from '../helpers/sandbox.js';

const NODES = { 'node-a': '192.168.61.1', 'node-b': '192.168.61.2', 'node-c': '192.168.61.3' } as const;
type Node = keyof typeof NODES;
const ETCD_IP = '192.168.61.11';
const ENDPOINT = `https://${ETCD_IP}:2379`;

let sb: Sandbox;
let root: string;
let pki: string;
let skipReason: string | undefined;
const H = {} as Record<Node | 'etcd', Machine>;
let etcd: Background | undefined;
const messages: string[] = [];

const dirOf = (n: Node) => join(root, n);
const f = (name: string) => join(pki, name);

/** A CA, the member's certificate (IP SAN), a client certificate; a rogue CA and its client certificate. */
function makeCertificates(): void {
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'pipe' });
  const key = (name: string) => ssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}-key.pem`]);
  const ca = (name: string) => {
    key(name);
    ssl(['req', '-x509', '-new', '-key', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
  };
  const signed = (name: string, by: string, ext: string) => {
    key(name);
    ssl(['req', '-new', '-key', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(join(pki, `${name}.ext`), ext);
    ssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${by}.pem`,
      '-CAkey',
      `${by}-key.pem`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]);
  };
  ca('ca');
  signed('server', 'ca', `subjectAltName=IP:${ETCD_IP}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  signed('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  ca('rogue-ca');
  signed('rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
}

const etcdctl = (args: string[]) =>
  sb.exec(
    'etcdctl',
    [`--endpoints=${ENDPOINT}`, `--cacert=${f('ca.pem')}`, `--cert=${f('client.pem')}`, `--key=${f('client-key.pem')}`, '--command-timeout=3s', ...args],
    {
      env: { ETCDCTL_API: '3' },
    },
  );

function files(n: Node, tls: string, container: string, ip: string): void {
  mkdirSync(dirOf(n), { recursive: true });
  writeFileSync(
    join(dirOf(n), 'network.yaml'),
    `kind: Network
name: ov
driver: overlay
vni: 4210
subnets:
  - subnet: 10.62.0.0/24
---
kind: Settings
store:
  etcd:
    endpoints: ["${ENDPOINT}"]
    prefix: /tls
    ttl: 120
${tls}`,
  );
  writeFileSync(join(dirOf(n), 'host.yaml'), `kind: Host\nname: ${n}\naddress: ${NODES[n]}\n`);
  writeFileSync(join(dirOf(n), `${container}.yaml`), `kind: Container\nname: ${container}\nnetworks:\n  - network: ov\n    ip: ${ip}\n`);
}
const tlsBlock = (ca: string, cert?: string, key?: string) => `    tls: {ca: ${ca}${cert ? `, cert: ${cert}` : ''}${key ? `, key: ${key}` : ''}}\n`;

/** What a host's kernel holds that a pass could change: its links and namespaces. */
async function kernelOf(n: Node): Promise<string> {
  const links = await H[n].exec('ip', ['-o', 'link', 'show']);
  const ns = await H[n].exec('sh', ['-c', 'ls /run/netns 2>/dev/null; true']);
  return `${links.stdout.replace(/\d+: /g, '')}\n${ns.stdout}`;
}

const once = (n: Node, extra: string[] = []) => H[n].netkeeper(['reconcile', '--once', '--dir', dirOf(n), '--host', n, ...extra], { timeoutMs: 60_000 });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nk-fleet-tls-'));
  pki = join(root, 'pki');
  mkdirSync(pki);
  sb = await createSandbox();
  Object.assign(H, await machinesOnLan(sb, { ...NODES, etcd: ETCD_IP }, '192.168.61.254'));
  const which = await sb.exec('sh', ['-c', 'command -v etcd && command -v etcdctl && command -v openssl']);
  if (which.exitCode !== 0) {
    skipReason = 'etcd, etcdctl or openssl not installed (scripts/setup.sh --tests installs them)';
    return;
  }
  makeCertificates();
  etcd = await H.etcd.spawn('etcd', [
    '--name',
    'e1',
    '--data-dir',
    join(root, 'etcd-data'),
    '--listen-client-urls',
    ENDPOINT,
    '--advertise-client-urls',
    ENDPOINT,
    '--cert-file',
    f('server.pem'),
    '--key-file',
    f('server-key.pem'),
    '--trusted-ca-file',
    f('ca.pem'),
    '--client-cert-auth',
    '--log-level',
    'warn',
  ]);
  try {
    await waitFor('etcd over TLS to be healthy', async () => (await etcdctl(['endpoint', 'health'])).exitCode === 0, 20_000, 300);
  } catch (e) {
    skipReason = `etcd did not start: ${(e as Error).message}\n${etcd.output().slice(-800)}`;
  }
}, 120_000);

afterAll(async () => {
  if (skipReason) console.log(`fleet-tls.test.ts skipped: ${skipReason}`);
  if (messages.length) console.log(`fleet-tls messages:\n  ${messages.join('\n  ')}`);
  await etcd?.kill();
  await sb?.destroy();
  if (root) rmSync(root, { recursive: true, force: true });
});

const t = skippableIt(() => skipReason, 90_000);

describe('the fleet store over TLS with client certificates', () => {
  t('hosts with the right certificates register over TLS and converge; status reads the store over TLS', async () => {
    files('node-a', tlsBlock(f('ca.pem'), f('client.pem'), f('client-key.pem')), 'web', '10.62.0.10');
    // node-b names the store by the flag (etcds://): the TLS files of its Settings stay
    files('node-b', tlsBlock(f('ca.pem'), f('client.pem'), f('client-key.pem')), 'api', '10.62.0.20');
    const a1 = await once('node-a');
    expect(a1.exitCode, a1.stderr).toBe(0);
    expect(a1.stderr).not.toMatch(/DeprecationWarning/);
    const b = await once('node-b', ['--store', `etcds://${ETCD_IP}:2379/tls`]);
    expect(b.exitCode, b.stderr).toBe(0);
    const a2 = await once('node-a'); // learns node-b's container
    expect(a2.exitCode, a2.stderr).toBe(0);
    const keys = (await etcdctl(['get', '--prefix', '/tls/', '--keys-only'])).stdout.split('\n').filter(Boolean).sort();
    expect(keys).toEqual(['/tls/claims/ov/10.62.0.10', '/tls/claims/ov/10.62.0.20', '/tls/hosts/node-a', '/tls/hosts/node-b']);
    expect(await H['node-a'].ping('web', '10.62.0.20')).toBe(true);
    expect(await H['node-b'].ping('api', '10.62.0.10')).toBe(true);
    const again = await once('node-a');
    expect(again.stdout + again.stderr).not.toMatch(/^\s*[+~-]/m);
    const st = await H['node-a'].netkeeper(['status', 'networks', '--dir', dirOf('node-a'), '--host', 'node-a']);
    expect(st.exitCode, st.stderr).toBe(0);
    expect(st.stderr).toMatch(/2 host\(s\) — node-a \(192\.168\.61\.1\): 1 endpoint\(s\); node-b \(192\.168\.61\.2\): 1 endpoint\(s\)/);
  });

  t('a client certificate the member does not trust, or none: a clear error, no stack trace, nothing changed', async () => {
    const before = await kernelOf('node-c');
    for (const [what, tls] of [
      ['a certificate of another CA', tlsBlock(f('ca.pem'), f('rogue.pem'), f('rogue-key.pem'))],
      ['no client certificate', tlsBlock(f('ca.pem'))],
    ] as const) {
      files('node-c', tls, 'db', '10.62.0.30');
      const r = await once('node-c');
      expect(r.exitCode, `${what}: ${r.stderr}`).toBe(1);
      // one line that says what to check, the code last; nothing else on stderr but the log lines
      const line = r.stderr.split('\n').find((l) => l.startsWith('error: '));
      messages.push(`${what}: ${line}`);
      expect(line, what).toMatch(
        /^error: store https:\/\/192\.168\.61\.11:2379 cannot be reached and no membership was read yet: .*the store refused this host's client certificate \(Settings store\.etcd\.tls cert and key.*\[store-unreachable\]$/,
      );
      expect(r.stderr, what).not.toMatch(/^\s+at |DeprecationWarning|Resolution note/m);
      expect(await kernelOf('node-c'), what).toBe(before);
      // status says the store cannot be read (and still shows the files)
      const st = await H['node-c'].netkeeper(['status', 'networks', '--dir', dirOf('node-c'), '--host', 'node-c']);
      expect(st.stderr, what).toMatch(/store https:\/\/192\.168\.61\.11:2379 unreachable/);
      expect(st.stderr, what).not.toMatch(/^\s+at /m);
    }
    const keys = (await etcdctl(['get', '--prefix', '/tls/hosts/', '--keys-only'])).stdout;
    expect(keys).not.toMatch(/node-c/);
  });

  t('a TLS file that cannot be read: an error naming the setting and the file, nothing changed', async () => {
    const before = await kernelOf('node-c');
    const missing = join(pki, 'no-such-client.pem');
    files('node-c', tlsBlock(f('ca.pem'), missing, f('client-key.pem')), 'db', '10.62.0.30');
    const r = await once('node-c');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain(`store-tls-file`);
    expect(r.stderr).toContain(`Settings store.etcd.tls.cert: cannot read ${missing} (ENOENT)`);
    expect(r.stderr).toMatch(/^error: .*network\.yaml:\d+:\d+/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(await kernelOf('node-c')).toBe(before);
    const st = await H['node-c'].netkeeper(['status', 'networks', '--dir', dirOf('node-c'), '--host', 'node-c']);
    expect(st.stderr).toContain(`cannot read ${missing}`);
  });
});
