// Host bridges → Network documents. Subnet and gateway from the bridge's address,
// MTU from the bridge, gatewayMode from the MASQUERADE rules seen, icc and internal
// from Docker's (or hand-written) DROP rules; Docker's docker0 and br-<id> bridges
// are named as Docker names them. A bridge with a VXLAN port is an overlay network
// (./overlay.ts adds its Hosts). Pure.

import { cidrWithin, formatIP, formatNetwork, parseCidr, type Cidr } from '../model/ip.js';
import type { DockerNetwork, ImportedDoc, ReportItem } from './input.js';
import type { FirewallFacts } from './iptables.js';
import { addrsOf, type HostIndex } from './host-model.js';

export interface ImportedNetwork {
  doc: ImportedDoc;
  bridge: string;
  /** subnets (network prefixes) */
  subnets: Cidr[];
  /** the host's address on the bridge per family: the gateway containers use */
  gateways: string[];
}

const DOCKER_USER_BRIDGE = /^br-[0-9a-f]{12}$/;

function isUsable(c: Cidr): boolean {
  // IPv6 link-local is the kernel's own (observe already leaves it out)
  return !(c.family === 6 && formatIP(6, c.network).startsWith('fe80:'));
}

export function buildNetworks(
  idx: HostIndex,
  fw: FirewallFacts,
  memberAddrs: Map<string, Cidr[]>,
  docker: DockerNetwork[] | undefined,
  name: (raw: string) => string,
  report: ReportItem[],
): ImportedNetwork[] {
  const out: ImportedNetwork[] = [];
  for (const br of idx.bridges.values()) {
    const notes: string[] = [];
    const dn = docker?.find((n) => n.bridge === br.ifname);
    let raw = br.ifname;
    if (dn) {
      raw = dn.name;
      notes.push(`Docker network ${dn.name} (id ${dn.id.slice(0, 12)}, bridge ${br.ifname})`);
    } else if (br.ifname === 'docker0') {
      raw = 'bridge';
      notes.push("Docker's default bridge docker0 (Docker calls this network `bridge`)");
    } else if (DOCKER_USER_BRIDGE.test(br.ifname)) {
      notes.push(`a Docker user-defined network's bridge (id ${br.ifname.slice(3)}...): \`docker network ls\` names it; --from docker uses that name`);
    }
    const n = name(raw);
    const own = addrsOf(idx, 'host', br.ifname).filter(isUsable);
    const body: Record<string, unknown> = { kind: 'Network', name: n };
    const vx = (idx.links.get('host') ?? []).find((l) => l.type === 'vxlan' && l.master === br.ifname);
    if (vx?.vxlan) {
      body.driver = 'overlay';
      body.vni = vx.vxlan.vni;
      if (vx.vxlan.port !== 4789) body.port = vx.vxlan.port;
      notes.push(`overlay: VXLAN device ${vx.ifname} (VNI ${vx.vxlan.vni}, port ${vx.vxlan.port}${vx.vxlan.local ? `, local ${vx.vxlan.local}` : ''})`);
      const vxName = `vx-${n}`;
      if (vx.ifname !== vxName)
        report.push({
          object: `Network ${n}`,
          message: `netkeeper names the VXLAN device of this network ${vxName.slice(0, 15)}; the existing ${vx.ifname} keeps its name (adopting it needs a rename)`,
        });
    }
    body.interface = br.ifname;

    const subnets: Cidr[] = [];
    const gateways: string[] = [];
    const subnetDocs: Record<string, unknown>[] = [];
    for (const a of own) {
      if (subnets.some((s) => cidrWithin(a, s))) {
        report.push({
          object: `Network ${n}`,
          message: `second address ${formatIP(a.family, a.addr)}/${a.prefix} on ${br.ifname} in the same subnet: not imported`,
        });
        continue;
      }
      const net = parseCidr(formatNetwork(a))!;
      subnets.push(net);
      gateways.push(formatIP(a.family, a.addr));
      subnetDocs.push({ subnet: formatNetwork(a), gateway: formatIP(a.family, a.addr) });
    }
    let isolated = false;
    if (own.length === 0) {
      // no host address: a plain switch; its subnet is what its members use
      isolated = true;
      for (const m of memberAddrs.get(br.ifname) ?? []) {
        if (subnets.some((s) => cidrWithin(m, s))) continue;
        const net = parseCidr(formatNetwork(m))!;
        subnets.push(net);
        subnetDocs.push({ subnet: formatNetwork(m) });
      }
      notes.push(`${br.ifname} has no address on the host: gatewayMode isolated${subnetDocs.length ? " (subnet taken from its members' addresses)" : ''}`);
    }
    if (subnetDocs.length) body.subnets = subnetDocs;
    else report.push({ object: `Network ${n}`, message: `bridge ${br.ifname} has no address and no member with one: netkeeper will pick a subnet for it` });
    if (br.mtu !== undefined) body.mtu = br.mtu;

    const internal = fw.internal.has(br.ifname) || dn?.internal === true;
    if (isolated) body.gatewayMode = 'isolated';
    else {
      const masq = fw.masquerades.filter((m) => {
        const src = parseCidr(m.source.includes('/') ? m.source : `${m.source}/32`);
        return src && subnets.some((s) => cidrWithin(s, src)) && m.outIf !== br.ifname;
      });
      if (masq.length) {
        body.gatewayMode = 'nat';
        const m = masq[0];
        notes.push(
          `gatewayMode nat: MASQUERADE of ${m.source}${m.notOutIf ? ` ! -o ${m.notOutIf}` : ''}${m.outIf ? ` -o ${m.outIf}` : ''} (${m.rule.table}/${m.rule.chain})`,
        );
        if (m.outIf)
          report.push({
            object: `Network ${n}`,
            message: `masqueraded only out of ${m.outIf}; netkeeper masquerades whatever leaves the host (the rule stays as it is)`,
          });
      } else if (internal) body.gatewayMode = 'nat';
      else {
        body.gatewayMode = 'routed';
        notes.push(
          `guessed gatewayMode routed: the host has an address on ${br.ifname} but no MASQUERADE rule for ${subnetDocs.map((s) => s.subnet).join(', ')} was seen; write nat to masquerade`,
        );
      }
    }
    if (fw.iccOff.has(br.ifname) || dn?.icc === false) {
      body.icc = false;
      notes.push(`icc false: a DROP of ${br.ifname} → ${br.ifname} in the FORWARD path`);
    }
    if (internal) {
      body.internal = true;
      notes.push(`internal: DROP rules keep ${br.ifname}'s traffic from leaving its subnet`);
    }
    if (dn?.hostIP && dn.hostIP !== '0.0.0.0') body.hostIP = dn.hostIP;
    out.push({ doc: { kind: 'Network', name: n, body, notes }, bridge: br.ifname, subnets, gateways });
  }
  return out;
}
