// `netkeeper import`: the live host (ImportInput) → networks.d documents and a
// report of what they do not express. The inverse of the desired stage; pure.
// Rendering to YAML text: ./render.ts.

import { HOST_NS } from '../model/resources.js';
import type { Cidr } from '../model/ip.js';
import type { ImportInput, ImportResult, ReportItem } from './input.js';
import { indexObserved, uniqueNamer } from './host-model.js';
import { readFirewall, type Dnat } from './iptables.js';
import { buildNetworks } from './networks.js';
import { buildContainer, findAttachments } from './containers.js';
import { buildLinks } from './links.js';
import { buildHosts } from './overlay.js';

export type { ImportInput, ImportResult, ImportedDoc, ReportItem } from './input.js';

export function importHost(input: ImportInput): ImportResult {
  const report: ReportItem[] = [];
  const idx = indexObserved(input.observed);
  const fw = readFirewall(input.iptables, new Set(idx.bridges.keys()));

  const live = input.namespaces.filter((n) => {
    if (n.broken) report.push({ object: `namespace ${n.name}`, kind: 'Container', message: `cannot be entered (${n.broken}): not imported` });
    return !n.broken;
  });
  const containerName = uniqueNamer();
  const names = new Map(live.map((n) => [n.name, containerName(n.name)]));

  const attachments = findAttachments(idx, [...names.keys()]);
  const members = new Map<string, Cidr[]>();
  for (const a of attachments) members.set(a.bridge, [...(members.get(a.bridge) ?? []), ...a.addrs]);
  const networks = buildNetworks(idx, fw, members, input.docker?.networks, uniqueNamer(), report);
  const links = buildLinks(idx, names, uniqueNamer(), report);
  const used = new Set<Dnat>();
  const ctx = { idx, networks, attachments, links, routes: input.routes, dnats: fw.dnats, names, report };
  const containers = live.map((n) => buildContainer(n, ctx, used));
  const hosts = buildHosts(idx, input.fdb, input.hostname, uniqueNamer(), report);

  // bridge ports whose other end import did not read (a Docker container without --from docker, a NIC)
  const attached = new Set(attachments.map((a) => a.hostEnd));
  for (const l of idx.links.get(HOST_NS) ?? []) {
    if (!l.master || !idx.bridges.has(l.master) || attached.has(l.ifname) || l.type === 'vxlan') continue;
    const net = networks.find((n) => n.bridge === l.master)?.doc.name ?? l.master;
    const why =
      l.type === 'veth'
        ? `its other end is in a namespace import did not read (${l.master.startsWith('br-') || l.master === 'docker0' ? 'a Docker container? try --from docker' : 'no named namespace (ip netns)'})`
        : `a ${l.type} interface on the bridge (netkeeper's bridges hold only its own ports)`;
    report.push({ object: `Network ${net}`, message: `port ${l.ifname}: ${why}; not imported` });
  }
  for (const d of fw.dnats)
    if (!used.has(d))
      report.push({
        object: 'iptables',
        message: `-t nat -A ${d.rule.chain} ${d.rule.spec}: DNAT to ${d.toIP}, which is no imported container's address; not imported`,
      });
  for (const r of fw.foreign)
    report.push({ object: 'iptables', message: `-t ${r.table} -A ${r.chain} ${r.spec}: not expressed by the files (it stays as it is)` });

  return { docs: [...networks.map((n) => n.doc), ...containers, ...links.map((l) => l.doc), ...hosts], report };
}
