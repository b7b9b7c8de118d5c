// The files under /etc/netns a pass observes (a part of observing the kernel, see
// kernel.ts): each namespace directory's NETNS_FILES (a hosts file that is a link to
// a shared one: where it points), and the shared hosts files.

import { NETNS_FILES, type EtcNetnsFile } from '../../observe/files.js';
import { SHARED_HOSTS_DIRNAME } from '../../model/shared-hosts-path.js';
import { TMP_MARK } from '../apply/files.js';
import type { ObserveFs } from '../host-fs.js';
import type { EtcNetnsFiles } from '../etc-netns-cache.js';

/** Every file observe reads under `etcNetnsDir`, sorted by path (`kept`: the watcher's copy, which reads only the directories that changed). */
export async function readEtcNetns(fs: ObserveFs, etcNetnsDir: string, kept?: EtcNetnsFiles): Promise<EtcNetnsFile[]> {
  // a dot-directory is no namespace's (`ip netns` names never start with a dot): e.g. one a killed run renamed away
  const dirs = (await fs.readdir(etcNetnsDir)).filter((d) => !d.startsWith('.'));
  const out: EtcNetnsFile[] = [];
  // the hosts files shared by the containers of a set of networks (plan/shared-hosts.ts)
  const shared = (await fs.readdir(`${etcNetnsDir}/${SHARED_HOSTS_DIRNAME}`)).filter((f) => !f.includes(TMP_MARK));
  const { readFileNow, readlinkNow } = fs;
  const readNs = async (ns: string): Promise<EtcNetnsFile[]> => {
    if (readFileNow && readlinkNow) return readNsNow(ns, readFileNow, readlinkNow);
    const got: EtcNetnsFile[] = [];
    await Promise.all(
      NETNS_FILES.map(async (name) => {
        const path = `${etcNetnsDir}/${ns}/${name}`;
        // a hosts file may be a link to a shared one: what it points to is what counts
        const link = name === 'hosts' ? await fs.readlink?.(path) : undefined;
        if (link !== undefined) {
          got.push({ ns, name, path, content: '', link });
          return;
        }
        const content = await fs.readFile(path);
        if (content !== undefined) got.push({ ns, name, path, content });
      }),
    );
    return got;
  };
  /** the same as readNs, without a thread-pool round trip per system call */
  const readNsNow = (ns: string, readFile: (p: string) => string | undefined, readlink: (p: string) => string | undefined): EtcNetnsFile[] => {
    const got: EtcNetnsFile[] = [];
    for (const name of NETNS_FILES) {
      const path = `${etcNetnsDir}/${ns}/${name}`;
      const link = name === 'hosts' ? readlink(path) : undefined;
      if (link !== undefined) got.push({ ns, name, path, content: '', link });
      else {
        const content = readFile(path);
        if (content !== undefined) got.push({ ns, name, path, content });
      }
    }
    return got;
  };
  await Promise.all([
    (kept ? kept.read(etcNetnsDir, dirs, readNs) : Promise.all(dirs.map(readNs))).then((per) => {
      for (const files of per) out.push(...files);
    }),
    ...shared.map(async (name) => {
      const path = `${etcNetnsDir}/${SHARED_HOSTS_DIRNAME}/${name}`;
      const content = await fs.readFile(path);
      if (content !== undefined) out.push({ ns: SHARED_HOSTS_DIRNAME, name, path, content });
    }),
  ]);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
