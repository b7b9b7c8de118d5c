// The precompiled schema validators (src/config/validators.gen.ts) are ajv's standalone
// code for the schemas as they are now: regenerate with
// NK_WRITE_VALIDATORS=1 npx vitest run test/unit/config/schema-code.test.ts

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { FORMATS } from '../../../src/config/schema-formats.js';
import { validatorsSource, VALIDATORS_FILE } from '../../../src/config/schema-code.js';
import { type KINDS, SCHEMAS } from '../../../src/config/schemas.js';
import * as gen from '../../../src/config/validators.gen.js';

const file = join(import.meta.dirname, '../../..', VALIDATORS_FILE);
if (process.env.NK_WRITE_VALIDATORS) writeFileSync(file, validatorsSource());

describe('precompiled schema validators', () => {
  test(`${VALIDATORS_FILE} is the standalone code of the schemas as they are`, () => {
    expect(readFileSync(file, 'utf8')).toBe(validatorsSource());
  });

  test('they judge documents as ajv compiling the schemas does, with the same errors', () => {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: true, allowUnionTypes: true });
    for (const [name, f] of Object.entries(FORMATS)) ajv.addFormat(name, f);
    const docs: [string, unknown][] = [
      ['Network', { kind: 'Network', name: 'a', subnets: [{ subnet: '10.0.0.0/24', gateway: '10.0.0.1' }] }],
      ['Network', { kind: 'Network', name: 'a', subnets: [{ subnet: '10.0.0.0/33', gatewy: 1 }], mtu: 'x' }],
      ['Container', { kind: 'Container', name: 'c', networks: [{ network: 'a', ip: '10.0.0.5' }], ports: ['80:80'] }],
      ['Container', { kind: 'Container', name: 'bad name!', networks: [{ network: 'a', ip: 'nope' }], ports: [1, '99999:80'], extra: true }],
      ['Network', { kind: 'Network', name: 'n'.repeat(80), interface: 'i'.repeat(40), driver: 'macvlan', parent: 'p'.repeat(40) }],
      ['Container', { kind: 'Container', name: 'c', networks: [{ network: 'a', ifname: 'x'.repeat(40) }], hostname: 'h'.repeat(300) }],
      ['Link', { kind: 'Link', name: 'l' }],
      ['Host', { kind: 'Host', name: 'h', address: '192.0.2.1' }],
      ['Settings', { kind: 'Settings', name: 's', firewall: 'maybe' }],
      ['Expect', { kind: 'Expect', name: 'e' }],
    ];
    for (const [k, doc] of docs) {
      const compiled = ajv.compile(SCHEMAS[k as (typeof KINDS)[number]]);
      const pre = (gen as unknown as Record<string, typeof compiled>)[k];
      expect(pre(doc)).toBe(compiled(doc));
      expect(pre.errors ?? null).toEqual(compiled.errors ?? null);
    }
  });
});
