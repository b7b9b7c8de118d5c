// One subnet while addresses are handed out: its range, what is blocked (gateway,
// reserved), and the two searches allocate uses (free addresses left, hashed probe). Pure.

import { type Cidr, isNetworkOrBroadcast } from '../../model/ip.js';

/** A subnet of one family while allocate hands out its addresses. */
export interface SubnetState {
  subnet: Cidr;
  range: Cidr;
  rangeEnd: bigint;
  /** 'lowest': no address below this one is free */
  cursor: bigint;
  /** 'hashed': how many addresses of the range are still free (set once dynamic placement starts) */
  free: bigint;
  blocked: Set<bigint>;
  gateway?: bigint;
  hostHasGateway: boolean;
}

/** Addresses of a range that nothing holds or blocks (within its subnet). */
export function freeCount(st: SubnetState, taken: Set<bigint>): bigint {
  const lo = st.range.network > st.subnet.network ? st.range.network : st.subnet.network;
  const subnetEnd = st.subnet.last;
  const hi = st.rangeEnd < subnetEnd ? st.rangeEnd : subnetEnd;
  if (hi < lo) return 0n;
  const unusable = new Set<bigint>();
  for (const v of [...taken, ...st.blocked]) if (v >= lo && v <= hi) unusable.add(v);
  for (const v of [st.subnet.network, subnetEnd]) {
    if (v >= lo && v <= hi && isNetworkOrBroadcast(st.subnet, v)) unusable.add(v);
  }
  return hi - lo + 1n - BigInt(unusable.size);
}

/** From slot (hash mod range size), the first address `ok` accepts, wrapping within the range; undefined when full. */
export function probe(st: SubnetState, hash: bigint, ok: (v: bigint) => boolean): bigint | undefined {
  if (st.free <= 0n) return undefined;
  const start = st.range.network;
  const size = st.rangeEnd - start + 1n;
  let v = start + (hash % size);
  for (let i = 0n; i < size; i++) {
    if (ok(v)) return v;
    v = v === st.rangeEnd ? start : v + 1n;
  }
  return undefined;
}
