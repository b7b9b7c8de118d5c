import { describe, expect, it } from 'vitest';
import { parseMonitorLine, parseNetnsIds } from '../../../src/observe/monitor-line.js';

// lines as iproute2 6.1 prints them for `ip monitor ... all-nsid` (captured in a sandbox)
describe('parseMonitorLine', () => {
  it('names the namespace of an event by its nsid, the host as current', () => {
    expect(parseMonitorLine('[nsid 0]2: v1    inet 10.1.0.2/24 scope global eth0')).toEqual({ where: 'nsid', nsid: 0 });
    expect(parseMonitorLine('[nsid 12]Deleted 10.1.0.0/24 dev v1 proto kernel scope link src 10.1.0.2 linkdown ')).toEqual({ where: 'nsid', nsid: 12 });
    expect(parseMonitorLine('[nsid current]Deleted 2: v1@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default ')).toEqual({
      where: 'host',
    });
    expect(parseMonitorLine('[2026-11-30T04:12:40.467165] [nsid 3]local 10.1.0.2 dev v1 table local')).toEqual({ where: 'nsid', nsid: 3 });
  });

  it('continuation lines are no event', () => {
    expect(parseMonitorLine('       valid_lft forever preferred_lft forever')).toEqual({ where: 'none' });
    expect(parseMonitorLine('    link/ether ba:e2:e6:63:6f:66 brd ff:ff:ff:ff:ff:ff link-netnsid 0')).toEqual({ where: 'none' });
  });

  it('an id announcement is no change, but says which namespace has the id', () => {
    expect(parseMonitorLine('[nsid current]nsid 1 (iproute2 netns name: c2)')).toEqual({ where: 'host', announce: { nsid: 1, name: 'c2' } });
    expect(parseMonitorLine('[nsid current]nsid 4')).toEqual({ where: 'host', announce: { nsid: 4 } });
  });

  it("the neighbour cache's own comings and goings are traffic, not events; permanent entries are", () => {
    expect(parseMonitorLine('[nsid 2]10.78.0.11 dev eth0 lladdr 02:00:00:00:00:01 REACHABLE')).toEqual({ where: 'none' });
    expect(parseMonitorLine('[nsid 2]10.78.0.11 dev eth0 lladdr 02:00:00:00:00:01 STALE ')).toEqual({ where: 'none' });
    expect(parseMonitorLine('[nsid 2]Deleted 10.78.0.11 dev eth0 lladdr 02:00:00:00:00:01 router STALE')).toEqual({ where: 'none' });
    expect(parseMonitorLine('[nsid 2]10.78.0.99 dev eth0 FAILED')).toEqual({ where: 'none' });
    expect(parseMonitorLine('[nsid 2]10.9.9.9 dev if2 lladdr 02:00:00:00:00:01 PERMANENT')).toEqual({ where: 'nsid', nsid: 2 });
    expect(parseMonitorLine('[nsid current]dev br0 lladdr e6:97:92:d5:70:d4 PERMANENT ')).toEqual({ where: 'host' });
  });
});

describe('parseNetnsIds', () => {
  it('reads `ip -j netns list`, leaving out namespaces without an id', () => {
    expect(parseNetnsIds('[{"name":"c2"},{"name":"c1","id":0}]\n')).toEqual(new Map([['c1', 0]]));
    expect(parseNetnsIds('')).toEqual(new Map());
  });
});
