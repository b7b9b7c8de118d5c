// Interfaces that do not go with their namespace. `ip netns delete` only removes
// the name: while a process still holds the namespace (a container runtime, a
// shell someone left in it), everything inside lives on. A veth whose other end
// goes away dies with it, but a macvlan stays on the parent's LAN with its address
// and MAC — and making the container again then fails ("Address already in use").
// So these are deleted explicitly, inside the namespace, before its name goes. Pure.

import { HOST_NS, type LinkRes } from '../model/resources.js';

/**
 * Whether interface `l`, in a namespace `gone` deletes, must be deleted explicitly
 * first: a macvlan always; a veth whose other end is in another namespace that
 * goes too (both may be held) — its primary end (the smaller "ns/ifname"), once.
 * A veth with an end on the host or in a namespace that stays is not: that end is
 * deleted explicitly, which takes the pair.
 */
export function outlivesItsNetns(l: LinkRes, peer: { ns: string; ifname: string } | undefined, gone: ReadonlySet<string>): boolean {
  if (l.type === 'macvlan') return true;
  if (l.type !== 'veth' || !peer || peer.ns === HOST_NS || peer.ns === l.ns || !gone.has(`netns:${peer.ns}`)) return false;
  return `${l.ns}/${l.ifname}` < `${peer.ns}/${peer.ifname}`;
}
