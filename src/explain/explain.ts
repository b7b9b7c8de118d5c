// explain(query, world): walk the request from FROM to TO, then the reply back,
// and say whether a connection would work, with every hop and what decided it.
// Pure.

import { resolveStart, resolveTarget } from './endpoints.js';
import type { Packet } from './packet.js';
import type { Explanation, Query, World } from './types.js';
import { Walker } from './walk.js';

const SPORT = 40000;

function endpointText(e: Query['from']): string {
  return e.kind === 'host' ? 'host' : e.kind === 'container' ? e.name : e.ip;
}

export function explain(query: Query, world: World): Explanation {
  const fail = (reason: string): Explanation => ({ query, verdict: 'unknown', hops: [], reason });
  const start = resolveStart(world, query.from);
  if ('error' in start) return fail(start.error);
  const target = resolveTarget(world, query.to, start.outside ? undefined : start.ns, start.iif);
  if ('error' in target) return fail(target.error);

  const pkt: Packet = {
    src: start.src,
    dst: target.ip,
    proto: query.proto,
    sport: SPORT,
    ...(query.proto === 'icmp' ? { icmpType: 8 } : query.port !== undefined ? { dport: query.port } : {}),
  };
  const fwd = new Walker(world, false);
  const hops = fwd.hops;
  const startText = start.outside ? `${start.src} (another machine) arrives on host/${start.iif}` : `from ${endpointText(query.from)} (namespace ${start.ns})`;
  hops.push({ kind: 'start', ns: start.ns, text: `${startText} to ${target.ip}${pkt.dport !== undefined ? `:${pkt.dport}` : ''}/${pkt.proto}` });
  const sent: Packet = { ...pkt };
  const end = fwd.run(start.ns, pkt, start.iif);
  const packetOut = () => ({
    src: sent.src || fwd.firstSource || '',
    dst: target.ip,
    ...(query.port !== undefined && query.proto !== 'icmp' ? { dport: query.port } : {}),
    proto: query.proto,
  });
  if (end.kind === 'stopped') return { query, verdict: end.verdict, packet: packetOut(), hops, reason: end.reason };
  if (end.kind === 'left') return { query, verdict: 'unknown', packet: packetOut(), hops, reason: end.reason };
  const delivered = { ns: end.ns, ip: end.pkt.dst, ...(end.pkt.dport !== undefined ? { port: end.pkt.dport } : {}) };
  if (query.to.kind === 'container' && target.ns && end.ns !== target.ns)
    return {
      query,
      verdict: 'unreachable',
      packet: packetOut(),
      delivered,
      hops,
      reason: `the packet is delivered to ${end.ns}, not ${endpointText(query.to)}`,
    };

  // the reply, from where the request was delivered, back through the request's conntrack
  const origSrc = sent.src || fwd.firstSource || '';
  const reply: Packet = {
    src: end.pkt.dst,
    dst: end.pkt.src,
    proto: pkt.proto,
    sport: end.pkt.dport ?? 0,
    ...(pkt.proto === 'icmp' ? { icmpType: 0 } : { dport: end.pkt.sport }),
  };
  const back = new Walker(world, true, fwd);
  back.hops.push({ kind: 'reply', ns: end.ns, text: `reply ${reply.src} → ${reply.dst}` });
  const rend = back.run(end.ns, reply);
  hops.push(...back.hops);
  if (rend.kind === 'stopped') return { query, verdict: rend.verdict, packet: packetOut(), delivered, hops, reason: `the reply: ${rend.reason}` };
  if (rend.kind === 'left') {
    if (start.outside && rend.ns === 'host' && rend.dev === start.iif)
      return { query, verdict: 'reachable', packet: packetOut(), delivered, hops, reason: `the reply leaves by ${rend.dev}, where the request came in` };
    return { query, verdict: start.outside ? 'unreachable' : 'unknown', packet: packetOut(), delivered, hops, reason: `the reply ${rend.reason}` };
  }
  if (start.outside || rend.ns !== start.ns || rend.pkt.dst !== origSrc)
    return {
      query,
      verdict: 'unreachable',
      packet: packetOut(),
      delivered,
      hops,
      reason: `the reply is delivered to ${rend.pkt.dst} in ${rend.ns}, not to the sender`,
    };
  return { query, verdict: 'reachable', packet: packetOut(), delivered, hops, reason: 'delivered, and the reply comes back' };
}
