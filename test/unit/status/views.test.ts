// The Docker-like status views over plain data: the files' desired state taken as
// "the kernel" (so it starts in sync), then changed by hand to make drift.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { ok as config } from '../config/helpers.js';
import type { Observed } from '../../../src/model/plan.js';
import type { LinkRes, Resource } from '../../../src/model/resources.js';
import { key } from '../../../src/model/resources.js';
import { driftPlan, filesDesired } from '../../../src/status/files-plan.js';
import { statusViews } from '../../../src/status/views.js';
import { formatView } from '../../../src/status/format.js';
import { statusOutput, type StatusData } from '../../../src/status/output.js';
import { statusRequest } from '../../../src/status/request.js';
import { naturalCompare } from '../../../src/status/natural.js';

const FILES = `
kind: Network
name: frontend
subnets:
  - subnet: 172.18.0.0/24
    gateway: 172.18.0.1
---
kind: Container
name: web
networks: [{network: frontend, ip: 172.18.0.10}]
ports: ["8080:80"]
---
kind: Container
name: c10
networks: [{network: frontend, ip: 172.18.0.20}]
---
kind: Container
name: c2
networks: [{network: frontend, ip: 172.18.0.12}]
`;

const facts = { foreignRoutes: [], resolvConf: 'nameserver 10.0.0.2\n', hostname: 'node-a', linkMtu: {} };

/** The kernel as the files make it; `edit` changes it by hand. */
function kernel(edit: (m: Map<string, Resource>) => void = () => {}, yaml = FILES): Observed {
  const fd = filesDesired(config(yaml), { resources: new Map(), facts }, 'node-a');
  if (!fd.ok) throw new Error(fd.problem);
  const m = new Map([...fd.desired.resources].map(([k, r]) => [k, structuredClone(r)]));
  edit(m);
  return { resources: m, facts };
}

/** Views of that kernel against the files (`yaml`), or without files. */
function views(observed: Observed, yaml: string | null = FILES) {
  const resources = [...observed.resources.values()];
  if (yaml === null) return { v: statusViews({ resources }), resources };
  const fd = filesDesired(config(yaml), observed, 'node-a');
  if (!fd.ok) throw new Error(fd.problem);
  const plan = driftPlan(fd.topo, fd.desired, observed);
  return { v: statusViews({ resources, topo: fd.topo, plan, desired: [...fd.desired.resources.values()] }), resources, topo: fd.topo };
}

const link = (m: Map<string, Resource>, ns: string, ifname: string) => m.get(key.link(ns, ifname)) as LinkRes;

describe('natural order', () => {
  it('puts c2 before c10 and keeps plain names alphabetical', () => {
    expect(['c10', 'web', 'c2', 'app', 'c1'].sort(naturalCompare)).toEqual(['app', 'c1', 'c2', 'c10', 'web']);
  });
});

describe('in sync', () => {
  const { v } = views(kernel());
  it('lists the networks like docker network ls', () => {
    expect(v.networks.map((n) => [n.name, n.driver, n.subnets, n.gateways, n.interface, n.containers, n.ports, n.sync?.state])).toEqual([
      ['bridge', 'bridge', expect.any(Array), expect.any(Array), 'nk0', [], [], 'in sync'],
      ['frontend', 'bridge', ['172.18.0.0/24'], ['172.18.0.1'], 'br-frontend', ['c2', 'c10', 'web'], ['8080/tcp'], 'in sync'],
    ]);
  });
  it('lists the containers like docker ps, in natural order', () => {
    expect(v.containers.map((c) => [c.name, c.namespace, c.mode, c.networks.map((a) => `${a.network}=${a.ip4}`), c.ports, c.state, c.sync?.state])).toEqual([
      ['c2', 'c2', 'bridge', ['frontend=172.18.0.12'], [], 'running', 'in sync'],
      ['c10', 'c10', 'bridge', ['frontend=172.18.0.20'], [], 'running', 'in sync'],
      ['web', 'web', 'bridge', ['frontend=172.18.0.10'], ['0.0.0.0:8080->80/tcp'], 'running', 'in sync'],
    ]);
    expect(v.settings).toEqual({ state: 'in sync', drift: [] });
  });
  it('prints tables with a DRIFT column and a summary line', () => {
    const text = formatView('containers', v, 'networks.d');
    expect(text.split('\n')[0]).toMatch(/^CONTAINER\s+NAMESPACE\s+MODE\s+NETWORKS\s+PORTS\s+STATE\s+DRIFT$/);
    expect(text).toMatch(/\nweb\s+web\s+bridge\s+frontend=172\.18\.0\.10\s+0\.0\.0\.0:8080->80\/tcp\s+running\s+in sync\n/);
    expect(text).toContain('Against networks.d: everything in sync.');
    expect(text.indexOf('\nc2 ')).toBeLessThan(text.indexOf('\nc10 '));
  });
});

describe('drift, in the files words', () => {
  it('a bridge MTU changed by hand', () => {
    const { v } = views(kernel((m) => (link(m, 'host', 'br-frontend').mtu = 1400)));
    expect(v.networks.find((n) => n.name === 'frontend')?.sync).toEqual({ state: 'drifted', drift: ['mtu 1400, want 1500'] });
    expect(formatView('networks', v, 'nd')).toMatch(/frontend .*drifted: mtu 1400, want 1500\n/);
  });
  it('an address deleted from a container', () => {
    const { v } = views(kernel((m) => m.delete(key.addr('c10', 'eth0', '172.18.0.20/24'))));
    const c10 = v.containers.find((c) => c.name === 'c10')!;
    expect(c10.sync).toEqual({ state: 'drifted', drift: ['missing address 172.18.0.20'] });
    expect(c10.networks[0]).toMatchObject({ network: 'frontend', interface: 'eth0' });
    expect(c10.networks[0].ip4).toBeUndefined();
  });
  it('an interface set down: state down', () => {
    const { v } = views(kernel((m) => (link(m, 'c2', 'eth0').up = false)));
    const c2 = v.containers.find((c) => c.name === 'c2')!;
    expect(c2.state).toBe('down');
    expect(c2.sync?.drift).toContain('eth0 down, want up');
  });
  it('a namespace that is gone: missing', () => {
    const { v } = views(
      kernel((m) => {
        for (const [k, r] of m)
          if (
            r.ns === 'c2' ||
            (r.kind === 'netns' && r.name === 'c2') ||
            (r.kind === 'link' && r.peer?.ns === 'c2') ||
            (r.kind === 'file' && r.path.startsWith('/etc/netns/c2/'))
          )
            m.delete(k);
      }),
    );
    expect(v.containers.find((c) => c.name === 'c2')).toMatchObject({ state: 'missing', sync: { state: 'missing' }, networks: [] });
    expect(v.networks.find((n) => n.name === 'frontend')?.containers).toEqual(['c10', 'web']);
  });
  it('a published port missing from the kernel, and one the files do not declare', () => {
    const { v } = views(kernel(), FILES.replace('"8080:80"', '"8081:80"'));
    expect(v.ports.map((p) => [p.hostPort, p.container, p.sync?.state])).toEqual([
      [8080, 'web', 'not declared'],
      [8081, 'web', 'missing'],
    ]);
    expect(v.containers.find((c) => c.name === 'web')?.sync?.drift).toEqual(['extra port 0.0.0.0:8080->80/tcp', 'missing port 0.0.0.0:8081->80/tcp']);
  });
  it('objects that left the files: not declared; a new one: missing', () => {
    const without = FILES.replace(/---\nkind: Container\nname: c2\n.*\n/, '') + `---\nkind: Network\nname: backend\nsubnets: [{subnet: 172.19.0.0/24}]\n`;
    const { v } = views(kernel(), without);
    expect(v.containers.find((c) => c.name === 'c2')?.sync?.state).toBe('not declared');
    expect(v.networks.find((n) => n.name === 'backend')?.sync?.state).toBe('missing');
    const text = formatView('overview', v, 'nd');
    expect(text).toMatch(/\nbackend .* missing\n/);
    // the hosts files of the others still name c2; the firewall rules of backend are backend's (missing), not host-wide drift
    expect(v.containers.find((c) => c.name === 'web')?.sync).toEqual({ state: 'drifted', drift: ['/etc/netns/web/hosts out of date'] });
    expect(v.settings).toEqual({ state: 'in sync', drift: [] });
    expect(text).toMatch(/Against nd: 2 drifted, 1 missing, 1 not declared \(netkeeper plan --dir nd shows the changes\)\./);
  });
});

describe('without files', () => {
  it('names come from the kernel marks; no DRIFT column', () => {
    const { v } = views(kernel(), null);
    expect(v.networks.map((n) => n.name)).toEqual(['bridge', 'frontend']);
    expect(v.containers.map((c) => [c.name, c.sync])).toEqual([
      ['c2', null],
      ['c10', null],
      ['web', null],
    ]);
    const text = formatView('overview', v, undefined);
    expect(text).not.toContain('DRIFT');
    expect(text).not.toContain('Against');
  });
});

describe('requests and one object in detail', () => {
  it('refuses words and options that mean nothing', () => {
    expect(statusRequest(['networks', 'extra'], {})).toMatchObject({ ok: false, error: expect.stringMatching(/at most one word.*networks extra/) });
    expect(statusRequest(['web'], { detail: true })).toMatchObject({ ok: false, error: expect.stringMatching(/--detail .* takes no view or name/) });
    expect(statusRequest([], { out: 'x' })).toMatchObject({ ok: false });
    expect(statusRequest(['ports'], {})).toEqual({ ok: true, value: { view: 'ports' } });
    expect(statusRequest(['web'], {})).toEqual({ ok: true, value: { view: 'inspect', name: 'web' } });
    expect(statusRequest([], { detail: true })).toEqual({ ok: true, value: { view: 'detail' } });
  });

  const data = (): StatusData => {
    const { v, resources, topo } = views(kernel((m) => (link(m, 'host', 'br-frontend').mtu = 1400)));
    return { views: v, resources, topo, files: { dir: 'nd', problem: null }, warnings: [], watcher: null };
  };
  it('a network: subnets, options, members with addresses and MACs, ports, firewall chains', () => {
    const out = statusOutput({ view: 'inspect', name: 'frontend' }, data(), false);
    expect(out.ok).toBe(true);
    const text = (out as { text: string }).text;
    expect(text).toMatch(/^Network frontend\n/);
    expect(text).toContain('subnet:     172.18.0.0/24, gateway 172.18.0.1');
    expect(text).toContain('options:    gatewayMode=nat icc=true internal=false hostIP=0.0.0.0');
    expect(text).toContain('drift:      drifted: mtu 1400, want 1500');
    expect(text).toMatch(/\n {4}c2\s+eth0\s+172\.18\.0\.12\s+–\s+02:42:ac:12:00:0c\n {4}c10\s/);
    expect(text).toMatch(/nat\/NK-PORTS-br-frontend: 1 rule\n/);
  });
  it('a container: namespace, interfaces, routes, ports, /etc/netns files', () => {
    const out = statusOutput({ view: 'inspect', name: 'web' }, data(), false) as { ok: true; text: string };
    expect(out.text).toMatch(/^Container web\n {2}namespace: {2}web \(made and owned by netkeeper\), \/run\/netns\/web\n/);
    expect(out.text).toMatch(/\n {4}eth0\s+veth\s+frontend\s+172\.18\.0\.10\/24\s+02:42:ac:12:00:0a\s+1500\s+up\n/);
    expect(out.text).toContain('    default via 172.18.0.1 dev eth0');
    expect(out.text).toContain('    0.0.0.0:8080->80/tcp  in sync');
    expect(out.text).toContain('    /etc/netns/web/hosts');
  });
  it('an unknown name: an error naming the close ones', () => {
    expect(statusOutput({ view: 'inspect', name: 'webb' }, data(), false)).toEqual({
      ok: false,
      error: 'no network, container or link named webb (did you mean web?); status also takes networks, containers or ports',
    });
    expect(statusOutput({ view: 'inspect', name: 'zzz' }, data(), false)).toMatchObject({
      ok: false,
      error: expect.stringContaining('(networks: bridge, frontend; containers: c2, c10, web)'),
    });
  });

  it("a Link: its two ends, and drift when one end's MTU differs", () => {
    const yaml = readFileSync(join(import.meta.dirname, '../../../examples/p2p-links/links.yaml'), 'utf8');
    const { v, resources, topo } = views(
      kernel((m) => (link(m, 'r2', 'p21').mtu = 1500), yaml),
      yaml,
    );
    expect(v.links.find((l) => l.name === 'r1-r2')?.sync).toEqual({ state: 'drifted', drift: ['r2:p21 mtu 1500, want 9000'] });
    const d: StatusData = { views: v, resources, topo, files: { dir: 'nd', problem: null }, warnings: [], watcher: null };
    const out = statusOutput({ view: 'inspect', name: 'r1-r2' }, d, false) as { ok: true; text: string };
    expect(out.text).toMatch(/^Link r1-r2\n {2}mtu: {8}9000\n {2}drift: {6}drifted: r2:p21 mtu 1500, want 9000\n {2}ends:\n/);
    expect(out.text).toMatch(/\n {4}r1\s+p12\s+10\.0\.12\.1\/32\s+\S+\s+9000\s+up\n {4}r2\s+p21\s+10\.0\.12\.2\/32\s+\S+\s+1500\s+up\n/);
    const validate = new Ajv({ allowUnionTypes: true }).compile(
      JSON.parse(readFileSync(join(import.meta.dirname, '../../../schemas/status-output.schema.json'), 'utf8')),
    );
    expect(validate(JSON.parse((statusOutput({ view: 'inspect', name: 'r1-r2' }, d, true) as { text: string }).text))).toBe(true);
  });

  it('files that cannot be compared: the kernel view without DRIFT, and why in files.problem', () => {
    const { v, resources } = views(kernel(), null);
    const d: StatusData = { views: v, resources, files: { dir: 'nd', problem: 'the files do not validate' }, warnings: [], watcher: null };
    const text = (statusOutput({ view: 'networks' }, d, false) as { text: string }).text;
    expect(text).not.toContain('DRIFT');
    expect(text).not.toContain('Against');
    const doc = JSON.parse((statusOutput({ view: 'networks' }, d, true) as { text: string }).text);
    expect(doc.files).toEqual({ dir: 'nd', problem: 'the files do not validate' });
    expect(doc.networks.every((n: { sync: unknown }) => n.sync === null)).toBe(true);
  });

  it('every --json document validates against schemas/status-output.schema.json', () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../../schemas/status-output.schema.json'), 'utf8'));
    const validate = new Ajv({ allowUnionTypes: true, allErrors: true }).compile(schema);
    const d = data();
    for (const req of [
      { view: 'overview' },
      { view: 'networks' },
      { view: 'containers' },
      { view: 'ports' },
      { view: 'inspect', name: 'web' },
      { view: 'inspect', name: 'frontend' },
    ] as const) {
      const out = statusOutput(req, d, true) as { ok: true; text: string };
      const doc = JSON.parse(out.text);
      expect(doc.formatVersion).toBe(1);
      expect({ req, ok: validate(doc), errors: validate.errors }).toMatchObject({ ok: true });
    }
    const noFiles = { ...d, views: views(kernel(), null).v, files: null };
    const doc = JSON.parse((statusOutput({ view: 'overview' }, noFiles, true) as { text: string }).text);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...doc, networks: [{ name: 'x' }] })).toBe(false);
  });
});
