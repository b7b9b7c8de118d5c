// Which namespace an adopted `netns: {pid}` / `{path}` really is: the device and
// inode of its nsfs file, compared (in src/plan/adopted-netns.ts) with the
// namespace netkeeper runs in and with the namespaces of the other containers.
// A path string says nothing: /proc/1/ns/net, a bind mount of it and the pid of a
// `--net=host` process are all the host.

import type { Config } from '../../model/config.js';
import { namedNetnsPath, specNetnsPath } from '../../model/netns-path.js';
import type { NetnsIdentity, NsId } from '../../model/observed-host.js';
import { nodeHostFs, type ObserveFs } from '../host-fs.js';

/** This process's own network namespace: the host's, as far as netkeeper is concerned. */
export const SELF_NETNS = '/proc/self/ns/net';

/** The namespace files to tell apart: each adopting container's, each named one's (by container name). */
export interface IdentitySpec {
  adopted: { name: string; path: string }[];
  named: { name: string; path: string }[];
}

/** What the files ask to be checked: nothing when no container adopts a namespace. */
export function identitySpec(config: Config): IdentitySpec {
  const plumbed = config.containers.filter((c) => c.mode.type === 'bridge' || c.mode.type === 'none');
  const adopted = plumbed.flatMap((c) => (c.netns.type !== 'named' ? [{ name: c.name, path: specNetnsPath(c.netns) }] : []));
  if (adopted.length === 0) return { adopted, named: [] };
  return { adopted, named: plumbed.flatMap((c) => (c.netns.type === 'named' ? [{ name: c.name, path: namedNetnsPath(c.netns.name) }] : [])) };
}

/**
 * Read the identities the adopted-namespace check needs: nothing when no container
 * adopts a namespace; otherwise the host's, each adopted one's, and those of the
 * named namespaces of the other containers (one stat each).
 */
export async function readNetnsIdentity({ adopted, named }: IdentitySpec, fs: ObserveFs = nodeHostFs): Promise<NetnsIdentity> {
  const out: NetnsIdentity = { adopted: new Map(), named: new Map() };
  if (adopted.length === 0) return out;
  const id = async (path: string): Promise<NsId | undefined> => {
    const st = await fs.stat(path);
    return st ? `${st.dev}:${st.ino}` : undefined;
  };
  const host = await id(SELF_NETNS);
  if (host !== undefined) out.host = host;
  await Promise.all([
    ...adopted.map(async (c) => out.adopted.set(c.name, await id(c.path))),
    ...named.map(async (c) => {
      const v = await id(c.path);
      if (v !== undefined) out.named.set(c.name, v);
    }),
  ]);
  return out;
}
