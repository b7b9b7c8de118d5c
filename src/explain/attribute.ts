// Which declaration made a rule or route netkeeper owns: the published port behind
// a DNAT, the `links:` entry behind an icc exception, the network behind a rule
// about its bridge or subnet, the container behind a router's masquerade or its
// routes. Built from the files (positions) and the Topology (bridges, addresses).
// Rules and routes netkeeper did not make get nothing. Pure.

import type { Config, SourcePos } from '../model/config.js';
import type { Topology } from '../model/topology.js';
import { inCidr } from './ipv4.js';
import { tokenize } from './iptables-parse.js';
import type { Attributor, Declared, RouteEntry } from './types.js';

const at = (p: SourcePos): string => `${p.file}:${p.line}`;

function arg(words: string[], opt: string): string | undefined {
  const i = words.indexOf(opt);
  return i >= 0 && words[i - 1] !== '!' ? words[i + 1] : undefined;
}

export function attributor(config: Config, topo: Topology): Attributor {
  const specOf = new Map(config.containers.map((c) => [c.name, c]));
  const netSpec = new Map(config.networks.map((n) => [n.name, n]));
  const ipOwner = new Map<string, string>();
  for (const c of topo.containers) for (const a of c.attachments) if (a.ip4) ipOwner.set(a.ip4, c.name);
  const nsOwner = new Map<string, string>();
  for (const c of topo.containers) if (c.netns) nsOwner.set(c.netns, c.name);
  const network = (name: string): Declared | undefined => {
    const s = netSpec.get(name);
    return s ? { what: `Network ${name}`, at: at(s.pos) } : undefined;
  };
  const byBridge = (br: string) => topo.networks.find((n) => n.bridge === br);

  function hostRule(chain: string, rule: string): Declared | undefined {
    if (chain === 'NK-USER') return undefined;
    const w = tokenize(rule);
    const to = arg(w, '--to-destination');
    if (to) {
      const [ip, port] = to.split(':');
      const name = ipOwner.get(ip);
      const c = name ? specOf.get(name) : undefined;
      if (c) {
        const p = c.ports.find(
          (p) => port === undefined || (Number(port.split('-')[0]) >= p.containerPort && Number(port.split('-')[0]) <= p.containerPortEnd),
        );
        return p
          ? { what: `Container ${c.name} port ${p.hostPort}:${p.containerPort}/${p.protocol}`, at: at(p.pos) }
          : { what: `Container ${c.name}`, at: at(c.pos) };
      }
    }
    const s = arg(w, '-s');
    const d = arg(w, '-d');
    if (s?.endsWith('/32') && d?.endsWith('/32') && s !== d) {
      const a = ipOwner.get(s.slice(0, -3));
      const b = ipOwner.get(d.slice(0, -3));
      const ref = a && b ? specOf.get(a)?.links.find((l) => l.container === b) : undefined;
      if (ref && a) return { what: `Container ${a} link to ${b}`, at: at(ref.pos) };
    }
    const br = arg(w, '-o') ?? arg(w, '-i') ?? (chain.startsWith('NK-PORTS-') ? chain.slice('NK-PORTS-'.length) : undefined);
    const n = br ? byBridge(br) : undefined;
    if (n) return network(n.name);
    if (s) {
      const ip = s.split('/')[0];
      const sub = topo.networks.find((n) => n.subnets.some((x) => inCidr(ip, x.subnet)));
      if (sub) return network(sub.name);
    }
    return undefined;
  }

  return {
    rule(ns, chain, rule) {
      const spec = rule.startsWith('-A ') ? rule.split(' ').slice(2).join(' ') : rule;
      if (!chain.startsWith('NK-')) return undefined;
      if (ns === 'host') return hostRule(chain, spec);
      const c = specOf.get(nsOwner.get(ns) ?? ns);
      return c ? { what: `Container ${c.name} masquerade`, at: at(c.pos) } : undefined;
    },
    route(ns, r: RouteEntry) {
      if (!r.owned) return undefined;
      const l = config.links.find((l) =>
        l.endpoints.some(
          (e) => (e.container === 'host' ? 'host' : (topo.containers.find((c) => c.name === e.container)?.netns ?? e.container)) === ns && e.ifname === r.dev,
        ),
      );
      if (l) return { what: `Link ${l.name}`, at: at(l.pos) };
      if (ns === 'host') {
        const n = r.dev ? byBridge(r.dev) : undefined;
        return n ? network(n.name) : undefined;
      }
      const c = specOf.get(nsOwner.get(ns) ?? ns);
      if (!c) return undefined;
      const rs = c.routes.find((x) => (x.to === 'default' ? r.dst === '0.0.0.0/0' : x.to === r.dst || `${x.to}/32` === r.dst));
      if (rs) return { what: `Container ${c.name} route to ${rs.to}`, at: at(rs.pos) };
      if (r.dst === '0.0.0.0/0' && c.networks[0])
        return { what: `Container ${c.name} network ${c.networks[0].network} (default route)`, at: at(c.networks[0].pos) };
      return { what: `Container ${c.name}`, at: at(c.pos) };
    },
  };
}
