// What an editor sees: schemas/netkeeper.schema.json checked with a plain ajv (no
// netkeeper formats), document by document as yaml-language-server does, on every
// example; the patterns that stand in for netkeeper's formats agree with its parser.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { FORMAT_PATTERNS } from '../../../src/config/editor-schema.js';
import { parseCidr, parseIP } from '../../../src/model/ip.js';

const ROOT = join(import.meta.dirname, '../../..');
const SCHEMA_DIR = join(ROOT, 'schemas');
const ajv = new Ajv({ strict: true, allErrors: true });
const validate = ajv.compile(JSON.parse(readFileSync(join(SCHEMA_DIR, 'netkeeper.schema.json'), 'utf8')) as object);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
const FILES = [...yamlFiles(join(ROOT, 'examples')), ...yamlFiles(join(ROOT, 'networks.d'))];

/** The errors of each document of a YAML text against the combined schema. */
function editorErrors(text: string): string[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((v) => v !== null && v !== undefined)
    .flatMap((v) => (validate(v) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)));
}

describe('the combined schema, as an editor uses it', () => {
  test('there are example files', () => expect(FILES.length).toBeGreaterThan(10));

  for (const f of FILES) {
    const name = relative(ROOT, f);
    test(`${name} validates, and names the schema in its modeline`, () => {
      const text = readFileSync(f, 'utf8');
      expect(editorErrors(text)).toEqual([]);
      const schema = relative(join(f, '..'), join(SCHEMA_DIR, 'netkeeper.schema.json'));
      expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${schema}`);
    });
  }

  test('a file mixing every kind validates', () => {
    const text = [
      'kind: Settings\nprune: false',
      'kind: Host\nname: h1\naddress: 192.0.2.1',
      'kind: Network\nname: app\nsubnets: [{subnet: 172.20.0.0/24, gateway: 172.20.0.1}, {subnet: "fd00:20::/64"}]',
      'kind: Container\nname: web\nnetworks: [app, {network: app, ip: 172.20.0.5, ip6: "fd00:20::5"}]\nports: ["8080:80", 53, {containerPort: 443}]\nnetns: {pid: 1}\nroutes: [{to: default, via: 172.20.0.1}, {to: 10.0.0.0/8, dev: eth0}]',
      'kind: Link\nname: l\nendpoints: [{container: web, ifname: p0, ip: 10.9.0.1/32}, {container: host, ifname: p1, ip: "fd00::2/128"}]',
    ].join('\n---\n');
    expect(editorErrors(text)).toEqual([]);
  });

  test('a field of another kind, a wrong value, a missing or unknown kind fail', () => {
    expect(editorErrors('kind: Container\nname: web\nsubnets: []')).toContain(' must NOT have additional properties');
    expect(editorErrors('kind: Network\nname: app\ndriver: vlan')).toContain('/driver must be equal to one of the allowed values');
    expect(editorErrors('kind: Network\nname: app\nsubnets: [{subnet: 172.20.0.0/33}]').join()).toMatch(/subnets\/0\/subnet must match pattern/);
    expect(editorErrors('kind: Host\nname: h\naddress: 10.0.0.256').join()).toMatch(/address must match pattern/);
    expect(editorErrors('kind: Container\nname: web\nroutes: [{to: defualt, via: 10.0.0.1}]').join()).toMatch(/routes\/0\/to must match pattern/);
    expect(editorErrors('name: web')).toContain(" must have required property 'kind'");
    expect(editorErrors('kind: Pod\nname: web')).toContain('/kind must be equal to one of the allowed values');
  });
});

describe("the editor patterns agree with netkeeper's own formats", () => {
  const ADDRESSES = [
    '0.0.0.0',
    '10.0.0.1',
    '255.255.255.255',
    '192.168.1.10',
    '256.0.0.1',
    '10.0.0',
    '10.0.0.1.2',
    '010.0.0.1',
    '1.2.3.04',
    '::',
    '::1',
    'fd00::1',
    'FD00::A',
    '2001:db8::8a2e:370:7334',
    '2001:0db8:0000:0000:0000:ff00:0042:8329',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '1::8',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::1',
    ':1',
    '1:',
    'fe80::1%eth0',
    '::ffff:10.0.0.1',
    '::10.0.0.1',
    '64:ff9b::192.0.2.33',
    '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1::2:3:4:5:1.2.3.4',
    '::ffff:256.0.0.1',
    'g::1',
    '',
    ' 10.0.0.1',
    'default',
    'localhost',
  ];
  const PREFIXES = ['/0', '/8', '/24', '/32', '/33', '/64', '/128', '/129', '/024', '/', '/-1'];

  test('ip-address', () => {
    const re = new RegExp(FORMAT_PATTERNS['ip-address'], 'u');
    for (const a of ADDRESSES) expect(re.test(a), a).toBe(parseIP(a) !== undefined);
  });

  test('cidr and route-destination', () => {
    const cidr = new RegExp(FORMAT_PATTERNS.cidr, 'u');
    const route = new RegExp(FORMAT_PATTERNS['route-destination'], 'u');
    for (const a of ADDRESSES) {
      for (const p of PREFIXES) {
        const s = a + p;
        expect(cidr.test(s), s).toBe(parseCidr(s) !== undefined);
        expect(route.test(s), s).toBe(parseCidr(s) !== undefined);
      }
    }
    expect(route.test('default')).toBe(true);
    expect(cidr.test('default')).toBe(false);
  });
});
