// Comparing one desired resource with the observed one: what needs the object made
// anew, what can change in place (as human reasons), which unmarked objects may be
// used as they are, which are never deleted, and how an object is named. Pure.

import { HOST_NS } from '../model/resources.js';
import type { LinkRes, Resource } from '../model/resources.js';
import { chainRuleDiff } from '../render/iptables.js';

const show = (v: unknown): string => (v === undefined || v === null ? '–' : String(v));

/** Fields whose change needs the object made anew. */
export function immutableDiff(d: Resource, o: Resource): string | undefined {
  if (d.kind === 'link' && o.kind === 'link') {
    if (d.type !== o.type) return `type ${o.type} → ${d.type}`;
    if (d.vxlan && JSON.stringify(d.vxlan) !== JSON.stringify(o.vxlan)) return 'vxlan settings changed';
    if (d.macvlan && JSON.stringify(d.macvlan) !== JSON.stringify(o.macvlan)) return 'macvlan settings changed';
    if (d.peer && o.peer && (d.peer.ns !== o.peer.ns || d.peer.ifname !== o.peer.ifname))
      return `peer ${o.peer.ns}/${o.peer.ifname} → ${d.peer.ns}/${d.peer.ifname}`;
  }
  if (d.kind === 'netns' && o.kind === 'netns') {
    // ours (an interrupted run of ours left it, see the crash journal): made again
    if (o.broken && d.origin !== 'adopted') return `${o.path} holds no namespace`;
    if (d.origin === 'shared' && o.sharedWith !== d.sharedWith) return `shares ${show(o.sharedWith)} → ${d.sharedWith}`;
  }
  if (d.kind === 'route' && o.kind === 'route') {
    // `ip route replace` changes a route in place; nothing is immutable
  }
  return undefined;
}

/** Fields that can be changed in place; returns human reasons, empty when equal. */
export function mutableDiff(d: Resource, o: Resource): string[] {
  const r: string[] = [];
  const cmp = (name: string, dv: unknown, ov: unknown) => {
    if (dv !== undefined && dv !== ov) r.push(`${name} ${show(ov)} → ${show(dv)}`);
  };
  switch (d.kind) {
    case 'link': {
      const ol = o as LinkRes;
      cmp('mtu', d.mtu, ol.mtu);
      cmp('mac', d.mac?.toLowerCase(), ol.mac?.toLowerCase());
      cmp('master', d.master, ol.master ?? null);
      cmp('up', d.up, ol.up);
      cmp('alias', d.alias, ol.alias);
      if (d.addrgenNone && !ol.addrgenNone) r.push('ipv6 autoconf → off');
      // only an observed before image says `false` (a rollback); desired links never do
      if (d.addrgenNone === false && ol.addrgenNone) r.push('ipv6 autoconf → on');
      if (d.portLearning !== undefined && d.portLearning !== (ol.portLearning ?? true))
        r.push(`port learning ${ol.portLearning === false ? 'off' : 'on'} → ${d.portLearning ? 'on' : 'off'}`);
      if (d.hairpin !== undefined && d.hairpin !== (ol.hairpin ?? false)) r.push(`hairpin ${ol.hairpin ? 'on' : 'off'} → ${d.hairpin ? 'on' : 'off'}`);
      break;
    }
    case 'route':
      if (o.kind === 'route') {
        cmp('via', d.via ?? null, o.via ?? null);
        cmp('dev', d.dev, o.dev);
        cmp('onlink', !!d.onlink, !!o.onlink);
      }
      break;
    case 'sysctl':
      if (o.kind === 'sysctl') cmp('value', d.value, o.value);
      break;
    case 'file':
      if (o.kind === 'file' && (d.link ?? o.link) !== undefined) {
        if (d.link !== o.link) r.push(d.link === undefined ? `a link to ${o.link}, want a file` : `want a link to ${d.link}${o.link ? `, not ${o.link}` : ''}`);
      } else if (o.kind === 'file' && d.content !== o.content) r.push('content differs');
      break;
    case 'chain':
      if (o.kind === 'chain' && !d.userOwned && JSON.stringify(d.rules) !== JSON.stringify(o.rules))
        r.push(chainRuleDiff(o.rules, d.rules).join('; ') || `rules reordered (${d.rules.length})`);
      break;
    case 'hook':
      // position is not compared: read back, it only says whether the jump is first in its chain
      if (o.kind === 'hook' && d.rule !== o.rule) r.push(`rule ${o.rule} → ${d.rule}`);
      break;
    case 'neigh':
      if (o.kind === 'neigh') cmp('lladdr', d.mac.toLowerCase(), o.mac.toLowerCase());
      break;
    default:
      break;
  }
  return r;
}

/** Objects that exist without netkeeper's mark but may be used as they are. */
export function mayAdopt(d: Resource): boolean {
  if (d.kind === 'link') return d.type === 'loopback';
  if (d.kind === 'netns') return d.origin === 'adopted';
  return d.kind === 'addr' || d.kind === 'sysctl' || d.kind === 'route';
}

/** Objects netkeeper leaves in place even when they left the files. */
export function neverDelete(o: Resource): boolean {
  if (o.kind === 'sysctl') return true;
  if (o.kind === 'link' && o.type === 'loopback') return true;
  if (o.kind === 'netns' && o.origin === 'adopted') return true;
  return false;
}

/** An object as a user names it, in messages. */
export function describe(r: Resource): string {
  switch (r.kind) {
    case 'netns':
      return r.broken ? `${r.path} (a file with no namespace mounted on it)` : `namespace ${r.name}`;
    case 'link': {
      // a declared veth says where it leads: the user sees whose interface waits
      const to = r.peer ? ` (veth to ${r.peer.ns === HOST_NS ? 'the host' : `namespace ${r.peer.ns}`}, ${r.peer.ifname})` : '';
      return `interface ${r.ifname}${r.ns === HOST_NS ? '' : ` in namespace ${r.ns}`}${to}`;
    }
    case 'file':
      return `file ${r.path}`;
    case 'chain':
      return `iptables chain ${r.table}/${r.chain}`;
    default:
      return r.key;
  }
}
