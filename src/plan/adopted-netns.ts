// Adopted namespaces (`netns: {pid}` / `{path}`) that netkeeper must refuse to
// plumb, checked before anything is planned. Pure: the identities (device and
// inode of each namespace file) are read by src/shell/observe/netns-identity.ts.
//
// - the namespace netkeeper itself runs in (the host's): plumbing it would put a
//   container's eth0, default route and forwarding on the host;
// - one namespace adopted twice, or the namespace of another container, without
//   `mode: container:`: two sets of interfaces and routes fighting in one place;
// - a file that is not a network namespace (a plain file, /proc/PID/ns/uts):
//   observe could not enter it, and every change into it would fail half-way.

import type { Config, SourcePos } from '../model/config.js';
import type { Diagnostic, DiagnosticCode } from '../model/diagnostic.js';
import type { Observed } from '../model/plan.js';
import { key } from '../model/resources.js';
import type { Topology } from '../model/topology.js';

import type { NetnsIdentity, NsId } from '../model/observed-host.js';

export type { NetnsIdentity, NsId } from '../model/observed-host.js';

export function adoptedNetnsErrors(topo: Topology, config: Config, ids: NetnsIdentity, observed: Observed): Diagnostic[] {
  const out: Diagnostic[] = [];
  const posOf = new Map<string, SourcePos>(config.containers.map((c) => [c.name, c.pos]));
  const owner = new Map<NsId, string>();
  for (const [name, id] of [...ids.named].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (!owner.has(id)) owner.set(id, name);
  const paths = new Map(topo.containers.map((c) => [c.name, c.netnsPath]));
  for (const c of topo.containers) {
    if (c.netnsOrigin !== 'adopted' || !c.local || !c.netns) continue;
    const path = c.netnsPath ?? '';
    const refuse = (code: DiagnosticCode, message: string) => {
      const pos = posOf.get(c.name);
      out.push({ code, object: `Container ${c.name}`, message, ...(pos ? { pos } : {}) });
    };
    const id = ids.adopted.get(c.name);
    if (id === undefined) continue; // missing: the plan reports it (netns-missing)
    if (ids.host !== undefined && id === ids.host) {
      refuse(
        'netns-is-host',
        `netns ${path} is the host's own network namespace (the one netkeeper runs in); plumbing it would rewrite the host's interfaces, routes and forwarding. A container on the host's network is mode: host`,
      );
      continue;
    }
    const ns = observed.resources.get(key.netns(c.netns));
    if (ns && ns.kind === 'netns' && ns.broken !== undefined) {
      refuse('netns-not-network', `netns ${path} is not a network namespace (${ns.broken}); give /proc/PID/ns/net of a process in it, or a bind mount of that`);
      continue;
    }
    const other = owner.get(id);
    if (other !== undefined && other !== c.name) {
      refuse(
        'netns-shared-twice',
        `netns ${path} is the same network namespace as Container ${other} (${paths.get(other) ?? '?'}); to share a namespace, use mode: "container:${other}"`,
      );
      continue;
    }
    owner.set(id, c.name);
  }
  return out;
}
