// Packaging and the operations files, as an operator meets them:
// - a fresh copy of the repository (no dist/) packs with `npm pack` (the prepack
//   script builds dist/), and the tarball installs with `npm install -g` into a
//   temporary prefix without network (its dependencies are bundled), giving a working
//   `netkeeper` command and its man page;
// - the systemd units in examples/operations pass `systemd-analyze verify` with that
//   installed command, and netkeeper.service is hardened (`systemd-analyze security`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** where systemd looks up a command given without a path (ExecStart=netkeeper …) */
const SYSTEMD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

let tmp: string;
let prefix: string;
let tarball: string;

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, ...opts });
  return { code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), error: r.error };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nk-pack-'));
  prefix = join(tmp, 'prefix');
  // a fresh clone: the files git knows (committed or not), no dist/, the dependencies already installed
  const clone = join(tmp, 'clone');
  const files = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT }).stdout.split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue; // deleted in the work tree
    await mkdir(dirname(join(clone, f)), { recursive: true });
    await cp(join(ROOT, f), join(clone, f));
  }
  // a real node_modules (hard links when on one file system): through a symlink, npm pack
  // bundles only the direct dependencies, not theirs, and the installed command fails
  const nm = [join(ROOT, 'node_modules'), join(clone, 'node_modules')];
  if (run('cp', ['-al', ...nm]).code !== 0) expect(run('cp', ['-a', ...nm]).code).toBe(0);
  const pack = run('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: clone });
  expect(pack.code, pack.stderr).toBe(0);
  tarball = join(tmp, pack.stdout.trim().split('\n').pop()!);
}, 600_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships dist/ (built by prepack), the man page, LICENSE and CHANGELOG; not the sources or tests', () => {
    const list = run('tar', ['tzf', tarball]).stdout.split('\n');
    for (const f of [
      'package/dist/cli.js',
      'package/dist/cli/program.js',
      'package/docs/netkeeper.1',
      'package/LICENSE',
      'package/CHANGELOG.md',
      'package/README.md',
      'package/package.json',
    ]) {
      expect(list, f).toContain(f);
    }
    expect(list.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toBe(false);
    // the runtime dependencies travel with it: an install needs no registry
    expect(list).toContain('package/node_modules/commander/package.json');
  });
});

describe('npm install -g of the tarball, offline', () => {
  beforeAll(() => {
    const r = run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 600_000);

  it('gives a netkeeper command that runs: --version, help, validate', async () => {
    const bin = join(prefix, 'bin', 'netkeeper');
    const v = run(bin, ['--version']);
    expect(v).toMatchObject({ code: 0, stdout: expect.stringMatching(/^netkeeper \d+\.\d+\.\d+\n$/), stderr: '' });
    expect(run(bin, ['help', 'plan']).stdout).toMatch(/^Usage: netkeeper plan/);
    const dir = join(tmp, 'networks.d');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'net.yaml'), 'kind: Network\nname: app\n---\nkind: Container\nname: web\nnetworks: [app]\n');
    const val = run(bin, ['validate', '--dir', dir]);
    expect(val.stderr).toBe('');
    expect(val.stdout).toMatch(/^valid: 1 files, 1 networks, 1 containers/);
  });

  it('installs the man page where man finds it', async () => {
    const page = join(prefix, 'share', 'man', 'man1', 'netkeeper.1');
    expect(await readFile(page, 'utf8')).toBe(await readFile(join(ROOT, 'docs', 'netkeeper.1'), 'utf8'));
  });

  describe('the systemd units in examples/operations', () => {
    const units = join(ROOT, 'examples', 'operations');
    let analyze = true;
    beforeAll(() => {
      const probe = run('systemd-analyze', ['--version']);
      if (probe.error) {
        analyze = false;
        console.log('skipped the unit checks: systemd-analyze is not installed (scripts/setup.sh installs it)');
      }
    });

    /** netkeeper.service as installed: `netkeeper` found where systemd looks, else in the temporary prefix */
    async function installedUnit(): Promise<string> {
      const d = join(tmp, 'units');
      await mkdir(d, { recursive: true });
      let text = await readFile(join(units, 'netkeeper.service'), 'utf8');
      if (!SYSTEMD_PATH.some((p) => existsSync(join(p, 'netkeeper')))) text = text.replace(/^ExecStart=netkeeper /m, `ExecStart=${prefix}/bin/netkeeper `);
      await writeFile(join(d, 'netkeeper.service'), text);
      return join(d, 'netkeeper.service');
    }

    it('netkeeper.service passes systemd-analyze verify with the installed command and man page', async (ctx) => {
      if (!analyze) ctx.skip();
      const text = await readFile(join(units, 'netkeeper.service'), 'utf8');
      expect(text).toMatch(/^ExecStart=netkeeper reconcile /m); // no path: systemd finds it wherever npm put it
      expect(text).toMatch(/^Type=notify$/m);
      const r = run('systemd-analyze', ['verify', await installedUnit()], { env: { ...process.env, MANPATH: join(prefix, 'share', 'man') } });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.code).toBe(0);
    });

    it('netkeeper.service is hardened: systemd-analyze security well below the 9.6 of the unhardened unit', async (ctx) => {
      if (!analyze) ctx.skip();
      const r = run('systemd-analyze', ['security', '--offline=true', '--no-pager', await installedUnit()]);
      const m = /Overall exposure level for netkeeper\.service: (\d+\.\d)/.exec(r.stdout);
      expect(m, r.stdout + r.stderr).not.toBeNull();
      console.log(`systemd-analyze security: ${m![1]}`);
      expect(Number(m![1])).toBeLessThanOrEqual(5.5);
    });

    it('the workload unit, the pull service and its timer pass systemd-analyze verify', async (ctx) => {
      if (!analyze) ctx.skip();
      const d = join(tmp, 'other-units');
      await mkdir(d, { recursive: true });
      for (const f of await readdir(units)) {
        if (!/\.(service|timer)$/.test(f) || f === 'netkeeper.service') continue;
        // the example's own commands (python3, git) may be missing on a bare machine: verify checks they exist
        let text = await readFile(join(units, f), 'utf8');
        text = text.replace(/^ExecStart=(\S+)/m, (all, cmd: string) => (existsSync(cmd) ? all : 'ExecStart=/bin/true'));
        await writeFile(join(d, f), text);
      }
      const web = await readFile(join(d, 'web-app.service'), 'utf8');
      expect(web).toMatch(/^NetworkNamespacePath=\/run\/netns\/web$/m);
      expect(web).toMatch(/^BindReadOnlyPaths=\/etc\/netns\/web\/resolv\.conf:\/etc\/resolv\.conf$/m);
      expect(web).toMatch(/^After=netkeeper\.service$/m);
      const r = run('systemd-analyze', ['verify', ...(await readdir(d)).map((f) => join(d, f))]);
      expect(r.stdout + r.stderr).toBe('');
      expect(r.code).toBe(0);
    });
  });
});
