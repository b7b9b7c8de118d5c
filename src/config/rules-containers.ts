// Rules on Containers: modes, references, interface names, passthru macvlans (pure).
// Their addresses and MACs are checked in rules-container-addresses.ts, their
// published ports in rules-container-ports.ts.

import type { AttachmentSpec, ContainerSpec, SourcePos } from '../model/config.js';
import { checkAddresses } from './rules-container-addresses.js';
import { checkPorts } from './rules-container-ports.js';
import { attachmentIfnames, where, type RuleCtx } from './rules-context.js';
import { RESERVED_IFNAMES } from './rules-host-names.js';

export { AUTO_SUBNET_MESSAGE } from './rules-container-addresses.js';

/** Fields that make no sense in each mode (the namespace is not this container's own). */
const REFUSED: Record<string, { fields: string[]; why: string }> = {
  host: {
    fields: ['networks', 'ports', 'netns', 'routes', 'loopback', 'forwarding', 'masquerade', 'links', 'dns', 'extraHosts', 'hostname'],
    why: "mode host uses the host's own namespace and files",
  },
  container: {
    fields: ['networks', 'ports', 'netns', 'routes', 'loopback', 'forwarding', 'masquerade', 'links'],
    why: 'the namespace belongs to the other container: declare this there',
  },
  none: { fields: ['networks', 'ports'], why: 'mode none has no network attachments' },
};

function written(c: ContainerSpec, field: string, ctx: RuleCtx): boolean {
  if (!ctx.loc.has(c, field)) return false;
  const v = (c as unknown as Record<string, unknown>)[field];
  if (field === 'networks') return c.networks.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (field === 'forwarding') return c.forwarding;
  return true;
}

export function checkContainers(ctx: RuleCtx): void {
  const netns = new Map<string, ContainerSpec>();
  for (const c of ctx.containerList) {
    if (c.name === 'host') {
      ctx.error('reserved-name', c, ctx.pos(c, 'name'), '"host" is reserved: it names the host\'s namespace in Link endpoints');
    }
    checkMode(ctx, c);
    if (c.mode.type === 'bridge' || c.mode.type === 'none') {
      const key = c.netns.type === 'named' ? `named:${c.netns.name}` : c.netns.type === 'path' ? `path:${c.netns.path}` : `pid:${c.netns.pid}`;
      const prev = netns.get(key);
      if (prev && prev.name !== c.name) {
        ctx.error(
          'netns-taken',
          c,
          ctx.pos(c, 'netns'),
          `namespace ${key.slice(key.indexOf(':') + 1)} is already Container ${prev.name}'s (to share it, use mode: container:${prev.name})`,
        );
      } else if (!prev) netns.set(key, c);
    }
    if (c.host !== undefined && !ctx.hostNames.has(c.host)) {
      ctx.error(
        'unknown-reference',
        c,
        ctx.pos(c, 'host'),
        `Host "${c.host}" is not declared (declare it with kind: Host, or drop "host" to run the container on every host)`,
      );
    }
    for (const l of c.links) {
      const target = ctx.containers.get(l.container);
      if (!target) {
        ctx.error('unknown-reference', c, ctx.pos(l, 'container'), `linked container "${l.container}" is not declared`);
      } else if (target === c) {
        ctx.error('link-self', c, ctx.pos(l, 'container'), 'a container cannot link to itself');
      } else {
        const mine = ctx.root(c);
        const theirs = ctx.root(target);
        const shared = mine && theirs ? ctx.networksOf(mine).filter((n) => ctx.networksOf(theirs).includes(n)) : [];
        if (mine && theirs && shared.length === 0) {
          ctx.warn('link-no-common-network', c, ctx.pos(l, 'container'), `${c.name} and ${l.container} share no network, so the alias has no address`);
        }
      }
    }
  }
  checkInterfaces(ctx);
  checkAddresses(ctx);
  checkPassthru(ctx);
  checkPorts(ctx);
}

function checkMode(ctx: RuleCtx, c: ContainerSpec): void {
  const refused = REFUSED[c.mode.type];
  if (refused) {
    for (const f of refused.fields) {
      if (written(c, f, ctx)) {
        const m = c.mode.type === 'container' ? `container:${c.mode.container}` : c.mode.type;
        ctx.error('mode-conflict', c, ctx.pos(c, f), `"${f}" cannot be used with mode ${m}: ${refused.why}`);
      }
    }
  }
  if (c.mode.type !== 'container') return;
  const target = ctx.containers.get(c.mode.container);
  if (!target) {
    ctx.error('unknown-reference', c, ctx.pos(c, 'mode'), `mode container:${c.mode.container}: container "${c.mode.container}" is not declared`);
    return;
  }
  if (!ctx.root(c)) {
    const chain = [c.name];
    let cur: ContainerSpec | undefined = target;
    while (cur && !chain.includes(cur.name)) {
      chain.push(cur.name);
      cur = cur.mode.type === 'container' ? ctx.containers.get(cur.mode.container) : undefined;
    }
    if (cur) chain.push(cur.name);
    ctx.error('mode-cycle', c, ctx.pos(c, 'mode'), `container: modes form a cycle: ${chain.join(' → ')}`);
    return;
  }
  const root = ctx.root(c)!;
  if (root.mode.type === 'host') {
    ctx.error('mode-target-host', c, ctx.pos(c, 'mode'), `Container ${root.name} uses mode host: write mode: host instead of sharing it`);
  }
  if (c.host !== undefined && c.host !== root.host) {
    ctx.error('mode-host-mismatch', c, ctx.pos(c, 'host'), `it shares the namespace of ${root.name}, which runs on ${root.host ?? 'this host'}`);
  }
}

/** Interface names per namespace: attachments, Link endpoints, lo; route dev and masquerade must name one. */
function checkInterfaces(ctx: RuleCtx): void {
  const names = new Map<string, Map<string, string>>(); // namespace owner → ifname → what uses it
  // `at` is asked only for a report: positions are the costly part at 1000 containers (issue 16)
  const take = (ns: string, ifname: string, what: string, owner: { kind: string; name?: string }, at: () => SourcePos | undefined) => {
    if (RESERVED_IFNAMES.has(ifname)) return; // reserved-ifname
    let m = names.get(ns);
    if (!m) names.set(ns, (m = new Map([['lo', 'the loopback interface']])));
    const prev = m.get(ifname);
    if (prev)
      ctx.error(
        'duplicate-ifname',
        owner,
        at(),
        `interface ${ifname} is already used in ${ns === 'host' ? 'the host namespace' : `Container ${ns}`} by ${prev}`,
      );
    else m.set(ifname, what);
  };
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge' && c.mode.type !== 'none') continue;
    if (!names.has(c.name)) names.set(c.name, new Map([['lo', 'the loopback interface']]));
    if (c.mode.type !== 'bridge') continue;
    if (!c.networksDeclared) {
      take(c.name, 'eth0', 'its attachment to bridge (the default network)', c, () => c.pos);
      continue;
    }
    const ifnames = attachmentIfnames(c.networks);
    c.networks.forEach((a, i) => take(c.name, ifnames[i], `its attachment to ${a.network}`, c, () => ctx.pos(a, 'ifname')));
  }
  for (const l of ctx.linkList) {
    for (const e of l.endpoints) {
      const c = ctx.containers.get(e.container);
      if (e.container !== 'host' && (!c || (c.mode.type !== 'bridge' && c.mode.type !== 'none'))) continue;
      take(e.container, e.ifname, `Link ${l.name}`, l, () => ctx.pos(e, 'ifname'));
    }
  }
  for (const c of ctx.containerList) {
    const m = names.get(c.name);
    if (!m) continue;
    for (const r of c.routes) {
      if (r.dev !== undefined && !m.has(r.dev)) {
        ctx.error('unknown-reference', c, ctx.pos(r, 'dev'), `route dev ${r.dev} is not an interface of this container (${[...m.keys()].join(', ')})`);
      }
    }
    c.masquerade.forEach((ifname, i) => {
      if (!m.has(ifname)) {
        ctx.error(
          'unknown-reference',
          c,
          ctx.pos(c, 'masquerade', i),
          `masquerade interface ${ifname} is not an interface of this container (${[...m.keys()].join(', ')})`,
        );
      }
    });
  }
}

/** The kernel takes one passthru macvlan per parent: at most one member per host. */
function checkPassthru(ctx: RuleCtx): void {
  const members = new Map<string, { c: ContainerSpec; a: AttachmentSpec }[]>();
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge') continue;
    const seen = new Set<string>();
    for (const a of c.networks) {
      const n = ctx.network(a.network);
      if (!n || n.driver !== 'macvlan' || n.mode !== 'passthru' || seen.has(n.name)) continue;
      seen.add(n.name);
      const list = members.get(n.name) ?? members.set(n.name, []).get(n.name)!;
      // a container without `host` runs on whichever host reconciles: it shares every host
      const prev = list.find((p) => p.c.host === undefined || c.host === undefined || p.c.host === c.host);
      if (prev) {
        const on = c.host ?? prev.c.host;
        ctx.error(
          'macvlan-passthru-shared',
          c,
          ctx.pos(a, 'network'),
          `Network ${n.name} is a passthru macvlan: the kernel allows one per parent, and Container ${prev.c.name} (${where(ctx.pos(prev.a, 'network'))}) ` +
            `already takes it${on ? ` on Host ${on}` : ' on this host'}; use mode bridge, or one container per host`,
        );
      }
      list.push({ c, a });
    }
  }
}
