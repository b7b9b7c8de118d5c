// Which namespace an adopted `netns: {pid}` / `{path}` really is: the device and
// inode of its nsfs file, compared (in src/plan/adopted-netns.ts) with the
// namespace netkeeper runs in and with the namespaces of the other containers.
// A path string says nothing: /proc/1/ns/net, a bind mount of it and the pid of a
// `--net=host` process are all the host.

import type { Config } from '../model/config.js';
import { namedNetnsPath, specNetnsPath } from '../model/netns-path.js';
import type { NetnsIdentity, NsId } from '../plan/adopted-netns.js';
import { nodeHostFs, type ObserveFs } from './host-fs.js';

/** This process's own network namespace: the host's, as far as netkeeper is concerned. */
export const SELF_NETNS = '/proc/self/ns/net';

/**
 * Read the identities the adopted-namespace check needs: nothing when no container
 * adopts a namespace; otherwise the host's, each adopted one's, and those of the
 * named namespaces of the other containers (one stat each).
 */
export async function readNetnsIdentity(config: Config, fs: ObserveFs = nodeHostFs): Promise<NetnsIdentity> {
  const adopting = config.containers.filter((c) => c.netns.type !== 'named' && (c.mode.type === 'bridge' || c.mode.type === 'none'));
  const out: NetnsIdentity = { adopted: new Map(), named: new Map() };
  if (adopting.length === 0) return out;
  const id = async (path: string): Promise<NsId | undefined> => {
    const st = await fs.stat(path);
    return st ? `${st.dev}:${st.ino}` : undefined;
  };
  const host = await id(SELF_NETNS);
  if (host !== undefined) out.host = host;
  await Promise.all([
    ...adopting.map(async (c) => out.adopted.set(c.name, await id(specNetnsPath(c.netns)))),
    ...config.containers
      .filter((c) => c.netns.type === 'named' && (c.mode.type === 'bridge' || c.mode.type === 'none'))
      .map(async (c) => {
        const v = c.netns.type === 'named' ? await id(namedNetnsPath(c.netns.name)) : undefined;
        if (v !== undefined) out.named.set(c.name, v);
      }),
  ]);
  return out;
}
