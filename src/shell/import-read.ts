// Read what `netkeeper import` needs of the live host — and only read: the observe
// stage (every named namespace, and Docker's sandboxes when asked), plus every
// route of each namespace's main table, the whole iptables-save of the host and the
// FDB of each VXLAN device, which observe leaves out because netkeeper never owns
// them. Nothing here writes to the kernel or to a file.

import { hostname as osHostname } from 'node:os';
import type { Runner } from './runner.js';
import type { HostFs } from './host-fs.js';
import { observeHost } from './observe/index.js';
import { HOST_NS } from '../model/resources.js';
import { NETNS_DIR } from '../model/netns-path.js';
import type { DockerFacts, ImportInput, ImportNamespace } from '../import/input.js';
import type { FdbEntry, IpRoute } from '../observe/ip-json.js';

function json<T>(text: string): T[] {
  try {
    const v = JSON.parse(text || '[]') as unknown;
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

export interface ImportReadResult {
  input: ImportInput;
  /** what could not be read (iptables-save missing, a namespace's routes) */
  problems: string[];
}

export async function readImportInput(runner: Runner, fs: HostFs, docker?: DockerFacts): Promise<ImportReadResult> {
  const problems: string[] = [];
  const named = new Set((await fs.readdir(NETNS_DIR)).filter((n) => !n.startsWith('.')));
  // Docker's sandboxes, observed under the container's name (a clash with a named namespace gets a prefix)
  const dockerNs: ImportNamespace[] = [];
  for (const c of docker?.containers ?? []) {
    const mode = c.networkMode ?? '';
    if (mode === 'host' || mode.startsWith('container:')) {
      problems.push(`Docker container ${c.name}: network mode ${mode} (no namespace of its own): not imported`);
      continue;
    }
    if (!c.sandboxKey) {
      problems.push(`Docker container ${c.name}: no sandbox namespace: not imported`);
      continue;
    }
    const name = named.has(c.name) ? `docker-${c.name}` : c.name;
    dockerNs.push({ name, path: c.sandboxKey, origin: 'docker', pid: c.pid, dockerId: c.id, ...(c.image ? { image: c.image } : {}) });
  }
  const host = await observeHost(runner, fs, {
    extraNamespaces: dockerNs.map((n) => ({ name: n.name, path: n.path })),
    preferPrimary: [],
    boundPorts: false,
    listeners: false,
    identity: { adopted: [], named: [] },
    ipv6: false,
  });
  const observed = host.observed;
  const namespaces: ImportNamespace[] = [];
  for (const r of observed.resources.values()) {
    if (r.kind !== 'netns') continue;
    if (r.origin === 'adopted') {
      const d = dockerNs.find((n) => n.name === r.name);
      if (d) namespaces.push({ ...d, ...(r.broken !== undefined ? { broken: r.broken } : {}) });
    } else if (r.origin === 'named') namespaces.push({ name: r.name, path: r.path, origin: 'named', ...(r.broken !== undefined ? { broken: r.broken } : {}) });
    else
      problems.push(`namespace ${r.name} is the same namespace as ${r.sharedWith ?? '?'} (two names bound to one): imported once, as ${r.sharedWith ?? '?'}`);
  }
  namespaces.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const routes = new Map<string, IpRoute[]>();
  const ROUTE = ['ip', '-j', 'route', 'show', 'table', 'main'];
  routes.set(HOST_NS, json<IpRoute>((await runner.run(ROUTE[0], ROUTE.slice(1))).stdout));
  await Promise.all(
    namespaces
      .filter((n) => !n.broken)
      .map(async (n) => {
        try {
          routes.set(n.name, json<IpRoute>((await runner.run('nsenter', [`--net=${n.path}`, ...ROUTE])).stdout));
        } catch (e) {
          problems.push(`routes of ${n.name} could not be read: ${(e as Error).message.split('\n')[0]}`);
        }
      }),
  );

  let iptables = '';
  try {
    iptables = (await runner.run('iptables-save', [])).stdout;
  } catch (e) {
    problems.push(`iptables-save failed, so no gatewayMode, icc or published port was read from it: ${(e as Error).message.split('\n')[0]}`);
  }

  const fdb = new Map<string, FdbEntry[]>();
  for (const r of observed.resources.values()) {
    if (r.kind !== 'link' || r.ns !== HOST_NS || r.type !== 'vxlan') continue;
    fdb.set(r.ifname, json<FdbEntry>((await runner.run('bridge', ['-j', 'fdb', 'show', 'dev', r.ifname])).stdout));
  }
  return { input: { observed, namespaces, routes, iptables, fdb, hostname: osHostname(), ...(docker ? { docker } : {}) }, problems };
}
