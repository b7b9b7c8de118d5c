// Every folder of examples/ validates and converges in a sandbox, a second plan is
// empty, its optional .check.sh (real traffic) passes, and destroy leaves nothing.
// Hidden files are ignored by the loader: .sandbox.sh prepares the sandbox (e.g. a
// macvlan parent), .netkeeper-args adds options (e.g. --host for an overlay).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSandbox, REPO_ROOT, type Sandbox } from '../helpers/sandbox.js';

const EXAMPLES = join(REPO_ROOT, 'examples');
const dirs = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(join(EXAMPLES, d.name)).some((f) => /\.ya?ml$/.test(f)))
  .map((d) => d.name);

let sb: Sandbox;
beforeAll(async () => {
  sb = await createSandbox();
});
afterAll(async () => {
  await sb?.destroy();
});

describe('examples/', () => {
  it('has examples', () => expect(dirs.length).toBeGreaterThan(5));
  for (const name of dirs) {
    it(`${name}: validates, converges, plans nothing after, passes its check, destroys cleanly`, async () => {
      const dir = join(EXAMPLES, name);
      const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
      const extra = read('.netkeeper-args').split(/\s+/).filter(Boolean);
      const nk = (...a: string[]) => sb.netkeeper([...a, '--dir', dir, ...extra, '--log-level', 'warn']);
      const before = (await sb.sh('ip -br link | cut -d" " -f1 | sort')).stdout;
      if (read('.sandbox.sh')) expect((await sb.sh(read('.sandbox.sh'))).exitCode).toBe(0);
      const v = await nk('validate');
      expect(v.exitCode, v.stderr).toBe(0);
      const r = await nk('reconcile', '--once');
      expect(r.exitCode, r.stderr).toBe(0);
      const p = await nk('plan');
      expect(p.exitCode, p.stdout).toBe(0);
      if (read('.check.sh')) {
        const c = await sb.sh(read('.check.sh'));
        expect(c.exitCode, c.stderr + c.stdout).toBe(0);
      }
      const d = await sb.netkeeper(['destroy', '--yes', ...extra, '--log-level', 'warn']);
      expect(d.exitCode, d.stderr).toBe(0);
      expect((await sb.sh('ip netns list')).stdout).toBe('');
      if (read('.sandbox.sh')) await sb.sh('ip link del lan0 2>/dev/null; true');
      expect((await sb.sh('ip -br link | cut -d" " -f1 | sort')).stdout).toBe(before);
    });
  }
});
