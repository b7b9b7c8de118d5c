// Name resolution through shared hosts files (src/plan/shared-hosts.ts): the containers on
// a set of networks share /etc/netns/.hosts/<set>, their own /etc/netns/<name>/hosts is a
// relative link to it, and `ip netns exec` (which bind-mounts that path over /etc/hosts)
// resolves every name as before. One sandbox: names resolve between containers (one
// network, two networks, a container with extraHosts keeps a file of its own); adding and
// removing a container rewrites the shared file and leaves the others' links alone; drift of
// the shared file is healed; a user's own hosts file at a path netkeeper never wrote is left
// alone; a host converged with one file per container (the layout before) converges to the
// links in one pass; every second pass plans nothing; destroy removes the shared files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let work: string;
let dir: string;

const BASE = `kind: Settings
iptables: false
---
kind: Network
name: app
subnets: [{subnet: 10.74.0.0/24}]
---
kind: Network
name: back
subnets: [{subnet: 10.75.0.0/24}]
---
kind: Container
name: web
networks: [{network: app, ip: 10.74.0.10}]
---
kind: Container
name: db
networks: [{network: app, ip: 10.74.0.20, aliases: [database]}]
---
kind: Container
name: both
networks: [{network: app, ip: 10.74.0.30}, {network: back, ip: 10.75.0.30}]
---
kind: Container
name: lone
networks: [{network: back, ip: 10.75.0.40}]
extraHosts: ["ext.local:192.0.2.7"]
`;
const NEW = `---
kind: Container
name: newc
networks: [{network: app, ip: 10.74.0.50}]
`;

const sh = async (script: string) => {
  const r = await sb.sh(script);
  expect(r.exitCode, `${script}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
};
const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const files = (text: string) => writeFile(join(dir, 'net.yaml'), text);
/**
 * `getent -s files hosts NAME` inside the container: the first address its hosts file gives, or ''
 * when it gives none. Only the files service: a name netkeeper did not put there would go on to DNS,
 * whose servers the sandbox cannot reach (each such lookup waited out the resolver's timeouts).
 */
const resolve = async (ns: string, name: string) => (await sb.sh(`ip netns exec ${ns} getent -s files hosts ${name}`)).stdout.split(/\s+/)[0];
const converge = async () => {
  const r = await nk('reconcile', '--once');
  expect(r.exitCode, r.stderr).toBe(0);
  const again = await nk('plan');
  expect(again.exitCode, again.stdout).toBe(0); // a second pass plans nothing
  return r;
};

beforeAll(async () => {
  sb = await createSandbox();
  work = await mkdtemp(join(tmpdir(), 'nk-shared-hosts-'));
  dir = join(work, 'networks.d');
  await sb.exec('mkdir', ['-p', dir], { check: true });
});
afterAll(async () => {
  await sb?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('shared hosts files', () => {
  it('names resolve between containers through links to one file per set of networks', async () => {
    await files(BASE);
    await converge();
    expect(await sh('readlink /etc/netns/web/hosts')).toBe('../.hosts/app\n');
    expect(await sh('readlink /etc/netns/both/hosts')).toBe('../.hosts/app,back\n');
    expect(await sh('test ! -L /etc/netns/lone/hosts && head -1 /etc/netns/lone/hosts')).toMatch(/^# managed by netkeeper/);
    expect(await sh('ls -A /etc/netns/.hosts')).toBe('app\napp,back\n');
    expect(await resolve('web', 'db')).toBe('10.74.0.20');
    expect(await resolve('web', 'database')).toBe('10.74.0.20');
    expect(await resolve('web', 'web')).toBe('10.74.0.10');
    expect(await resolve('web', 'both')).toBe('10.74.0.30');
    expect(await resolve('web', 'lone')).toBe(''); // not on app
    expect(await resolve('both', 'both')).toBe('10.74.0.30'); // its first network, as in a file of its own
    expect(await resolve('both', 'lone')).toBe('10.75.0.40');
    expect(await resolve('lone', 'ext.local')).toBe('192.0.2.7');
    expect(await resolve('lone', 'both')).toBe('10.75.0.30');
    expect(await resolve('lone', 'web')).toBe('');
  });

  it('adding and removing a container rewrites the shared files of its network, not the peers’ links', async () => {
    const before = await sh('stat -c %i /etc/netns/web/hosts /etc/netns/db/hosts /etc/netns/lone/hosts /etc/netns/.hosts/app,back');
    await files(BASE + NEW);
    // the shared files' new entry is part of creating newc: no peer is "updated" (the plan view, issue 16)
    const added = await converge();
    expect(added.stdout).toContain('  + Container newc\n');
    expect(added.stdout).not.toMatch(/~ Container/);
    expect(added.stdout).toContain('Apply complete: 1 created, 0 updated, 0 replaced, 0 deleted; in sync.');
    expect(await resolve('web', 'newc')).toBe('10.74.0.50');
    expect(await resolve('newc', 'db')).toBe('10.74.0.20');
    expect(await resolve('both', 'newc')).toBe('10.74.0.50');
    expect(await sh('readlink /etc/netns/newc/hosts')).toBe('../.hosts/app\n');
    const after = await sh('stat -c %i /etc/netns/web/hosts /etc/netns/db/hosts /etc/netns/lone/hosts /etc/netns/.hosts/app,back');
    // the links and lone's own file (on back only) are untouched; app,back holds app's members: rewritten
    expect(after.split('\n').slice(0, 3)).toEqual(before.split('\n').slice(0, 3));
    expect(after.split('\n')[3]).not.toBe(before.split('\n')[3]);
    await files(BASE);
    expect((await converge()).stdout).toContain('Apply complete: 0 created, 0 updated, 0 replaced, 1 deleted; in sync.');
    expect(await resolve('web', 'newc')).toBe('');
    expect(await sh('ls -A /etc/netns')).not.toContain('newc');
  });

  it('drift of a shared file is healed', async () => {
    await sh(`printf '# managed by netkeeper; edits are overwritten\\n127.0.0.1\\tlocalhost\\n' > /etc/netns/.hosts/app`);
    expect(await resolve('web', 'db')).toBe('');
    expect((await nk('plan')).exitCode).toBe(2);
    await converge();
    expect(await resolve('web', 'db')).toBe('10.74.0.20');
  });

  it("a user's own hosts file at a path netkeeper never wrote is left alone", async () => {
    await sh(`mkdir -p /etc/netns/mine && printf '10.74.0.99\\tmine-own\\n' > /etc/netns/mine/hosts`);
    await files(`${BASE}---\nkind: Container\nname: mine\nnetworks: [{network: app, ip: 10.74.0.60}]\n`);
    const r = await nk('reconcile', '--once');
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toContain('/etc/netns/mine/hosts');
    expect(await sh('test ! -L /etc/netns/mine/hosts && cat /etc/netns/mine/hosts')).toBe('10.74.0.99\tmine-own\n');
    expect(await resolve('web', 'mine')).toBe('10.74.0.60'); // the others know it all the same
    await sh('rm /etc/netns/mine/hosts');
    await converge();
    expect(await sh('readlink /etc/netns/mine/hosts')).toBe('../.hosts/app\n');
    await files(BASE);
    await converge();
  });

  it('a host converged with one hosts file per container converges to the links in one pass', async () => {
    // the layout before: each container's own file (its own entries first), no .hosts directory
    const own = (self: string, peers: string) =>
      `# managed by netkeeper; edits are overwritten\\n127.0.0.1\\tlocalhost\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n${self}${peers}`;
    await sh(
      [
        `rm /etc/netns/web/hosts /etc/netns/db/hosts /etc/netns/both/hosts && rm -r /etc/netns/.hosts`,
        `printf '${own('10.74.0.10\\tweb\\n', '10.74.0.30\\tboth\\n10.74.0.20\\tdb database\\n')}' > /etc/netns/web/hosts`,
        `printf '${own('10.74.0.20\\tdb database\\n', '10.74.0.30\\tboth\\n10.74.0.10\\tweb\\n')}' > /etc/netns/db/hosts`,
        `printf '${own('10.74.0.30\\tboth\\n10.75.0.30\\tboth\\n', '10.74.0.20\\tdb database\\n10.74.0.10\\tweb\\n10.75.0.40\\tlone\\n')}' > /etc/netns/both/hosts`,
      ].join(' && '),
    );
    expect(await resolve('web', 'db')).toBe('10.74.0.20');
    await converge();
    expect(await sh('readlink /etc/netns/web/hosts /etc/netns/db/hosts /etc/netns/both/hosts')).toBe('../.hosts/app\n../.hosts/app\n../.hosts/app,back\n');
    expect(await resolve('web', 'db')).toBe('10.74.0.20');
    expect(await resolve('both', 'lone')).toBe('10.75.0.40');
  });

  it('destroy removes the shared files with the rest', async () => {
    const d = await nk('destroy', '--yes');
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await sh('ls -A /etc/netns')).toBe('');
  });
});
