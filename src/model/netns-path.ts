// Where a network namespace is entered (`nsenter --net=PATH`, `ip link … netns PATH`):
// the one place that builds such a path. Named namespaces live under /run/netns;
// adopted ones are wherever the files say (`{path}`) or their process's
// /proc/PID/ns/net (`{pid}`). Everything else asks the namespace resources
// (observed or desired), whose `path` was made here.

import type { NetnsSpec } from './config.js';
import { HOST_NS } from './resources.js';

/** The directory of named namespaces (`ip netns add`). */
export const NETNS_DIR = '/run/netns';

/** The file of a named namespace. */
export function namedNetnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

/** The file a Container's `netns` field names (named, `{path}`, or `{pid}`). */
export function specNetnsPath(spec: NetnsSpec): string {
  switch (spec.type) {
    case 'path':
      return spec.path;
    case 'pid':
      return `/proc/${spec.pid}/ns/net`;
    default:
      return namedNetnsPath(spec.name);
  }
}

/**
 * The file to enter namespace `ns` with, from the paths the namespace resources
 * give (by namespace name); a name they do not know is a named namespace.
 * The host's own namespace has no path: undefined.
 */
export function netnsPath(ns: string, known: Readonly<Record<string, string>> = {}): string | undefined {
  if (ns === HOST_NS) return undefined;
  return Object.hasOwn(known, ns) ? known[ns] : namedNetnsPath(ns);
}

/** Paths by namespace name from namespace resources (observed or desired). */
export function netnsPaths(resources: Iterable<{ kind: string; name?: string; path?: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of resources) if (r.kind === 'netns' && r.name !== undefined && r.path !== undefined) out[r.name] = r.path;
  return out;
}
