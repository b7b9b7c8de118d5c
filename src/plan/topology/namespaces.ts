// Namespaces: where each container's interfaces live — a named namespace it
// owns, an adopted one, the one it shares (mode container:<name>), or the host's.

import type { ContainerSpec } from '../../model/config.js';
import { namedNetnsPath, specNetnsPath } from '../../model/netns-path.js';
import type { TContainer } from '../../model/topology.js';

export interface NsInfo {
  netns?: string;
  netnsOrigin: TContainer['netnsOrigin'];
  netnsPath?: string;
  sharedWith?: string;
}

/** Namespace of every container, by container name. */
export function namespaces(ctrs: ContainerSpec[]): Map<string, NsInfo> {
  const byName = new Map(ctrs.map((c) => [c.name, c]));
  return new Map(ctrs.map((c) => [c.name, nsInfo(byName, c)]));
}

/** The container owning the namespace `c` shares (config refuses cycles, dangling names and mode-host targets). */
function resolveRoot(byName: Map<string, ContainerSpec>, c: ContainerSpec): string | undefined {
  const seen = new Set<string>([c.name]);
  let cur = c;
  while (cur.mode.type === 'container') {
    const next = byName.get(cur.mode.container);
    if (!next || seen.has(next.name)) return undefined;
    seen.add(next.name);
    cur = next;
  }
  return cur.mode.type === 'host' ? undefined : cur.name;
}

function nsInfo(byName: Map<string, ContainerSpec>, c: ContainerSpec): NsInfo {
  switch (c.mode.type) {
    case 'host':
      return { netnsOrigin: 'host' };
    case 'container': {
      const root = resolveRoot(byName, c);
      return { netns: c.name, netnsOrigin: 'shared', netnsPath: namedNetnsPath(c.name), sharedWith: root };
    }
    default:
      if (c.netns.type !== 'named') return { netns: c.name, netnsOrigin: 'adopted', netnsPath: specNetnsPath(c.netns) };
      return { netns: c.netns.name, netnsOrigin: 'named', netnsPath: specNetnsPath(c.netns) };
  }
}
