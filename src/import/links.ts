// veth pairs that are no bridge port — namespace↔namespace, or host↔namespace with
// the host end on no bridge — → Link documents (a point-to-point cable). Pure.

import { HOST_NS, type LinkRes } from '../model/resources.js';
import { formatAddrPrefix } from '../model/ip.js';
import type { ImportedDoc, ReportItem } from './input.js';
import { addrsOf, type HostIndex } from './host-model.js';

export interface LinkEnd {
  ns: string;
  ifname: string;
  /** its first address (CIDR as on the interface) */
  ip?: string;
}

export interface ImportedLink {
  doc: ImportedDoc;
  ends: [LinkEnd, LinkEnd];
}

/** Whether a veth is a cable (not a bridge port on the host side). */
export function isCable(idx: HostIndex, l: LinkRes): boolean {
  if (l.type !== 'veth' || !l.peer) return false;
  if (l.ns === HOST_NS && l.master) return false;
  if (l.peer.ns === HOST_NS && idx.hostLinks.get(l.peer.ifname)?.master) return false;
  return true;
}

/**
 * `nsNames`: the namespaces read and the Container name of each (the host is
 * `host`). A pair with an end in a namespace not read is left out (containers.ts
 * reports the ends it sees).
 */
export function buildLinks(idx: HostIndex, nsNames: Map<string, string>, name: (raw: string) => string, report: ReportItem[]): ImportedLink[] {
  const out: ImportedLink[] = [];
  const seen = new Set<string>();
  const spaces = [HOST_NS, ...nsNames.keys()];
  for (const ns of spaces) {
    for (const l of idx.links.get(ns) ?? []) {
      if (!isCable(idx, l) || !l.peer) continue;
      const other = l.peer;
      if (other.ns !== HOST_NS && !nsNames.has(other.ns)) continue;
      if (ns === other.ns) continue; // both ends in one namespace: not a cable between two (containers.ts reports it)
      const k = [`${ns}/${l.ifname}`, `${other.ns}/${other.ifname}`].sort().join(' ');
      if (seen.has(k)) continue;
      seen.add(k);
      const peer = (idx.links.get(other.ns) ?? []).find((x) => x.ifname === other.ifname);
      const cname = (n: string) => (n === HOST_NS ? 'host' : nsNames.get(n)!);
      // the host end second: Links read "a container to the host"
      const [a, b] = ns === HOST_NS ? [other, { ns, ifname: l.ifname }] : [{ ns, ifname: l.ifname }, other];
      const linkName = name(`${cname(a.ns)}-${cname(b.ns)}`);
      const notes: string[] = [];
      const endDoc = (e: { ns: string; ifname: string }, link: LinkRes | undefined): { doc: Record<string, unknown>; end: LinkEnd } => {
        const addrs = addrsOf(idx, e.ns, e.ifname);
        const doc: Record<string, unknown> = { container: cname(e.ns), ifname: e.ifname };
        const end: LinkEnd = { ns: e.ns, ifname: e.ifname };
        if (addrs.length) {
          end.ip = formatAddrPrefix(addrs[0]);
          doc.ip = end.ip;
        }
        for (const x of addrs.slice(1))
          report.push({
            object: `Link ${linkName}`,
            kind: 'Link',
            message: `${cname(e.ns)}/${e.ifname} also has ${formatAddrPrefix(x)}: a Link end takes one address; not imported`,
          });
        if (link?.mac) doc.mac = link.mac;
        return { doc, end };
      };
      const la = (idx.links.get(a.ns) ?? []).find((x) => x.ifname === a.ifname);
      const lb = (idx.links.get(b.ns) ?? []).find((x) => x.ifname === b.ifname);
      const ea = endDoc(a, la);
      const eb = endDoc(b, lb);
      const body: Record<string, unknown> = { kind: 'Link', name: linkName };
      const mtu = l.mtu ?? peer?.mtu;
      if (mtu !== undefined) body.mtu = mtu;
      body.endpoints = [ea.doc, eb.doc];
      out.push({ doc: { kind: 'Link', name: linkName, body, notes }, ends: [ea.end, eb.end] });
    }
  }
  return out;
}
