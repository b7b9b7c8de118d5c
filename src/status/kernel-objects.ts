// `status --detail`: every kernel object netkeeper owns, one per row, as the
// kernel has it now (namespaces, interfaces, addresses, routes, chains, …). Pure.

import type { Resource } from '../model/resources.js';
import { textTable } from '../model/text-table.js';

function describeRes(r: Resource): string[] {
  switch (r.kind) {
    case 'netns':
      return ['namespace', r.name, r.origin + (r.sharedWith ? ` (shares ${r.sharedWith})` : ''), r.path];
    case 'link': {
      const bits = [r.type, r.up ? 'up' : 'down'];
      if (r.mtu) bits.push(`mtu ${r.mtu}`);
      if (r.master) bits.push(`master ${r.master}`);
      if (r.mac) bits.push(r.mac);
      if (r.peer) bits.push(`peer ${r.peer.ns}/${r.peer.ifname}`);
      return ['interface', `${r.ns}/${r.ifname}`, bits.join(' '), r.alias ?? ''];
    }
    case 'addr':
      return ['address', `${r.ns}/${r.ifname}`, r.cidr, ''];
    case 'route':
      return ['route', r.ns, `${r.dst}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`, ''];
    case 'sysctl':
      return ['sysctl', r.ns, `${r.name}=${r.value}`, ''];
    case 'file':
      return ['file', r.ns, r.path, `${r.content.split('\n').length - 1} lines`];
    case 'neigh':
      return ['neighbour', `${r.ns}/${r.dev}`, `${r.ip} lladdr ${r.mac}`, ''];
    case 'fdb':
      return ['fdb', `${r.ns}/${r.dev}`, `${r.mac} dst ${r.dst}`, ''];
    case 'chain':
      return ['chain', r.ns, `${r.family} ${r.table} ${r.chain}`, `${r.rules.length} rules`];
    case 'hook':
      return ['jump', r.ns, `${r.family} ${r.table} ${r.chain}`, r.rule];
  }
}

/** `status --detail`: what netkeeper owns, as the kernel has it now. */
export function formatStatus(owned: Resource[], extra: string[] = []): string {
  if (owned.length === 0) return 'netkeeper owns nothing on this host.\n' + extra.map((l) => `${l}\n`).join('');
  const order = ['netns', 'link', 'addr', 'route', 'neigh', 'fdb', 'chain', 'hook', 'sysctl', 'file'];
  const rows = [...owned]
    .filter((r) => r.kind !== 'sysctl')
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.key.localeCompare(b.key))
    .map(describeRes);
  return [...textTable([['KIND', 'WHERE', 'WHAT', 'NOTE'], ...rows]), ...extra].join('\n') + '\n';
}
