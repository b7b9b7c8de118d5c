// The Expect kind after loading (pure types): a reachability assertion between
// two endpoints, and the result of probing it.

import type { SourcePos } from './config.js';

export type ExpectProtocol = 'tcp' | 'udp' | 'icmp';
export type ExpectResult = 'reachable' | 'unreachable';

/** One end of an expectation, as the files name it. */
export type ExpectEndpoint = { type: 'container'; name: string } | { type: 'host' } | { type: 'address'; address: string };

export interface ExpectSpec {
  kind: 'Expect';
  name: string;
  from: ExpectEndpoint;
  to: ExpectEndpoint;
  /** tcp and udp; undefined for icmp */
  port?: number;
  protocol: ExpectProtocol;
  result: ExpectResult;
  pos: SourcePos;
}

export const EXPECT_DEFAULTS = Object.freeze({ result: 'reachable', protocol: 'tcp', protocolWithoutPort: 'icmp' } as const);

/** "web", "host", "172.18.0.10" */
export function endpointText(e: ExpectEndpoint): string {
  return e.type === 'container' ? e.name : e.type === 'host' ? 'host' : e.address;
}

/** "web → db:5432/tcp", "web → host (icmp)" */
export function expectText(x: Pick<ExpectSpec, 'from' | 'to' | 'port' | 'protocol'>): string {
  const to = endpointText(x.to);
  const dst = x.protocol === 'icmp' ? `${to} (icmp)` : `${to.includes(':') ? `[${to}]` : to}:${x.port}/${x.protocol}`;
  return `${endpointText(x.from)} → ${dst}`;
}
