// The JSON tools rely on (docs/json.md): formatVersion, each change's action and
// key, the per-object view; outputs validate against schemas/*-output.schema.json.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { validator } from '../../helpers/output-schemas.js';
import { describe, expect, it } from 'vitest';
import { scenario } from '../view/scenario-fixtures.js';
import { planJson } from '../../../src/commands/plan-json.js';
import { validateCommand } from '../../../src/commands/validate.js';
import type { Context } from '../../../src/commands/common.js';

const NET = 'kind: Network\nname: app\nsubnets: [{subnet: 172.20.0.0/24}]\n';
const WEB = (port: number) => `---\nkind: Container\nname: web\nnetworks: [{network: app, ip: 172.20.0.3}]\nports: ["${port}:80"]\n`;

describe('plan --json', () => {
  it('carries formatVersion, every change with its action and key, and the objects; it validates', () => {
    const s = scenario(NET + WEB(8080), NET + WEB(8081));
    const j = JSON.parse(JSON.stringify(planJson({ plan: s.plan, sides: s.sides })));
    expect(j.formatVersion).toBe(1);
    expect(j.changes.length).toBeGreaterThan(0);
    for (const c of j.changes) expect(['create', 'update', 'replace', 'delete']).toContain(c.action);
    expect(j.objects).toEqual([
      {
        kind: 'container',
        name: 'web',
        label: 'Container web',
        action: 'update',
        attributes: [{ name: 'ports', before: '8080:80', after: '8081:80' }],
        keys: ['chain:host/nat/NK-PORTS-br-app'],
      },
    ]);
    expect(validator('plan-output')(j)).toEqual([]);
    expect(validator('plan-output')({ ...j, formatVersion: 2 })).not.toEqual([]);
  });
});

describe('validate --json', () => {
  const run = async (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'nk-json-'));
    writeFileSync(join(dir, 'a.yaml'), text);
    let out = '';
    const ctx = {
      opts: { dir, json: true, args: [], allowEmpty: false, once: false, interval: 30, logLevel: 'silent', host: 'h' },
      out: (t: string) => (out += t),
      err: () => undefined,
    } as unknown as Context;
    await validateCommand(ctx);
    rmSync(dir, { recursive: true, force: true });
    return JSON.parse(out) as Record<string, unknown>;
  };
  it('valid and invalid files both validate against the schema, with formatVersion', async () => {
    const ok = await run(NET);
    expect(ok).toMatchObject({ formatVersion: 1, valid: true });
    expect(validator('validate-output')(ok)).toEqual([]);
    const bad = await run('kind: Network\nname: app\nmtu: nope\n');
    expect(bad).toMatchObject({ formatVersion: 1, valid: false });
    expect(validator('validate-output')(bad)).toEqual([]);
  });
});

describe('the output schemas', () => {
  it.each(['plan-output', 'reconcile-output', 'status-output', 'validate-output'])('%s compiles with ajv 8 in strict mode', (n) => {
    expect(() => validator(n)).not.toThrow();
  });
});
