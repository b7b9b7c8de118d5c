// An Expect document → ExpectSpec (pure): endpoints told apart (a container name,
// "host", or an address), the protocol's default, and the port/protocol pairing
// a schema cannot say (tcp and udp need a port, icmp takes none).

import { EXPECT_DEFAULTS, type ExpectEndpoint, type ExpectProtocol, type ExpectSpec } from '../model/expect.js';
import { canonicalIP, parseIP } from '../model/ip.js';
import type { Builder } from './build.js';
import { posAt } from './documents.js';
import type { TypedDoc } from './validate-schema.js';

/** "host", an address (IPv4 or IPv6 literal), or else a container's name. */
export function parseEndpoint(text: string): ExpectEndpoint {
  if (text === 'host') return { type: 'host' };
  if (parseIP(text)) return { type: 'address', address: canonicalIP(text) };
  return { type: 'container', name: text };
}

export function buildExpect(b: Builder, td: TypedDoc<'Expect'>): ExpectSpec {
  const d = td.data;
  const protocol: ExpectProtocol = d.protocol ?? (d.port === undefined ? EXPECT_DEFAULTS.protocolWithoutPort : EXPECT_DEFAULTS.protocol);
  if (protocol === 'icmp' && d.port !== undefined) {
    b.err(td, 'expect-port', ['port'], 'an icmp expectation is an echo request and takes no port: remove "port", or say protocol: tcp or udp');
  }
  if (protocol !== 'icmp' && d.port === undefined) {
    b.err(td, 'expect-port', ['protocol'], `a ${protocol} expectation needs "port": the destination port to probe`);
  }
  const x: ExpectSpec = {
    kind: 'Expect',
    name: d.name,
    from: parseEndpoint(d.from),
    to: parseEndpoint(d.to),
    protocol,
    result: d.result ?? EXPECT_DEFAULTS.result,
    pos: posAt(td.raw, []),
  };
  if (d.port !== undefined && protocol !== 'icmp') x.port = d.port;
  return b.track(x, td, []);
}
