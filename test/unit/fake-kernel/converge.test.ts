// Every example converges on the fake kernel in one runPass, the next pass plans
// nothing, and destroy leaves only the host's own namespace.

import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FakeKernel } from '../../helpers/fake-kernel/index.js';
import { baseHost, convergeOnFake, FAKE_HOSTNAME } from '../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../helpers/golden/stages.js';
import type { SourceFile } from '../../../src/config/index.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

function exampleFiles(name: string): SourceFile[] {
  const dir = EXAMPLES + name;
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: `${dir}/${f}`, text: readFileSync(`${dir}/${f}`, 'utf8') }));
}

const examples = readdirSync(EXAMPLES).filter((d) => statSync(EXAMPLES + d).isDirectory() && exampleFiles(d).length > 0);

describe('fake kernel: every example converges in one pass', () => {
  for (const name of examples) {
    it(name, async () => {
      const k = baseHost(new FakeKernel());
      const config = parseFiles(exampleFiles(name));
      const host = config.hosts.length ? 'node-a' : FAKE_HOSTNAME;
      const first = await convergeOnFake(k, config, host);
      expect(first.report.failed).toEqual([]);
      expect(first.plan.changes.length).toBeGreaterThan(0);
      expect(first.remaining.changes.map((c) => `${c.action} ${c.key}: ${c.reason}`)).toEqual([]);
      const again = await convergeOnFake(k, config, host);
      expect(again.plan.changes).toEqual([]);
      const gone = await convergeOnFake(k, config, host, { destroy: true });
      expect(gone.report.failed).toEqual([]);
      expect(gone.remaining.changes).toEqual([]);
      expect(k.state.namespaces()).toHaveLength(1);
    });
  }
});
