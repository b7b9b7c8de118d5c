// Pure parsers against real iproute2 output: captured in a sandbox by
// test/fixtures/ip/capture.sh, plus the reference samples.

import { describe, expect, it } from 'vitest';
import type { IpRoute } from '../../../src/observe/ip-json.js';
import { parseLinks } from '../../../src/observe/links.js';
import { parseNsBatch } from '../../../src/observe/observed.js';
import { foreignRouteDsts, normalizeDst, parseRoutes } from '../../../src/observe/routes.js';
import { fixture, fixtureJson, sample } from './fixtures.js';

const host = parseNsBatch(fixture('host_batch.txt'), true);
const web = parseNsBatch(fixture('ns_web_batch.txt'));
const r1 = parseNsBatch(fixture('ns_r1_batch.txt'));

describe('routes', () => {
  it('host: netkeeper routes of both families, host routes as /32, onlink', () => {
    const r = parseRoutes(host.routes, 'host');
    expect(r).toEqual([
      { kind: 'route', key: 'route:host/10.77.0.0/16', ns: 'host', owned: true, dst: '10.77.0.0/16', via: '172.18.0.10', dev: 'br-nk' },
      { kind: 'route', key: 'route:host/10.78.0.1/32', ns: 'host', owned: true, dst: '10.78.0.1/32', via: '10.50.0.9', dev: 'br-nk', onlink: true },
      { kind: 'route', key: 'route:host/fd77::/64', ns: 'host', owned: true, dst: 'fd77::/64', dev: 'br-nk' },
    ]);
  });

  it('namespace defaults: default and default6', () => {
    expect(parseRoutes(web.routes, 'web').map((x) => [x.key, x.via, x.dev])).toEqual([
      ['route:web/default', '172.18.0.1', 'eth0'],
      ['route:web/default6', 'fd00:18::1', 'eth0'],
    ]);
    expect(parseRoutes(r1.routes, 'r1')).toEqual([{ kind: 'route', key: 'route:r1/10.1.1.2/32', ns: 'r1', owned: true, dst: '10.1.1.2/32', dev: 'p2p0' }]);
  });

  it('non-batch dumps: `route show table main proto 77`, -6, and samples', () => {
    expect(parseRoutes(fixtureJson<IpRoute[]>('route_main_proto77.json'), 'host').map((x) => x.dst)).toEqual(['10.77.0.0/16', '10.78.0.1/32']);
    expect(parseRoutes(fixtureJson<IpRoute[]>('route6_main_proto77.json'), 'host').map((x) => x.dst)).toEqual(['fd77::/64']);
    // other tables are not netkeeper's
    expect(parseRoutes(sample<IpRoute[]>('route_proto99_alltables.json'), 'host').map((x) => x.dst)).toEqual(['10.98.0.0/16']);
    // routes with another protocol are dropped
    expect(parseRoutes(sample<IpRoute[]>('route_in_netns.json'), 'c1')).toEqual([]);
    expect(parseRoutes([{ dst: '10.5.0.0/16', type: 'blackhole' }], 'host')).toEqual([]);
  });

  it('normalizes destinations', () => {
    expect(normalizeDst({ dst: 'default' })).toBe('default');
    expect(normalizeDst({ dst: 'default', pref: 'medium' })).toBe('default6');
    expect(normalizeDst({ dst: '10.0.0.1' })).toBe('10.0.0.1/32');
    expect(normalizeDst({ dst: 'FD00::1', pref: 'medium' })).toBe('fd00::1/128');
    expect(normalizeDst({})).toBeUndefined();
  });

  it('foreign routes: not netkeeper protocol, not on owned links, no default', () => {
    const owned = new Set(
      parseLinks(host.links, 'host')
        .filter((l) => l.owned)
        .map((l) => l.ifname),
    );
    expect(foreignRouteDsts(host.mainRoutes!, owned).sort()).toEqual(['10.50.0.0/16', '10.88.0.0/16']);
    expect(foreignRouteDsts(fixtureJson<IpRoute[]>('route_main.json'), new Set()).sort()).toEqual(['10.50.0.0/16', '10.88.0.0/16', '172.18.0.0/24']);
  });
});
