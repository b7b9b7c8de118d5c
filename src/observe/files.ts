// Files under /etc/netns/<name>/ → FileRes. A file is netkeeper's when it starts with
// MARK.fileHeader (model/marks.ts); `hostname` (one bare line, no room for a header) is netkeeper's when
// the hosts file of the same directory is (or, without a hosts file, the resolv.conf).
// A hosts file that is a symbolic link into /etc/netns/.hosts/ is netkeeper's (see
// plan/shared-hosts.ts); the shared files there carry the header like the others.

import { HOST_NS, key, type FileRes } from '../model/resources.js';
import { isOwnedFileContent } from '../model/marks.js';
import { isSharedHostsLink, SHARED_HOSTS_DIRNAME, sharedHostsLink } from '../model/shared-hosts-path.js';

export const NETNS_FILES = ['resolv.conf', 'hosts', 'hostname'] as const;

export interface EtcNetnsFile {
  /** namespace name (the directory under /etc/netns) */
  ns: string;
  /** file name inside the directory */
  name: string;
  /** full path */
  path: string;
  content: string;
  /** the target, when the file is a symbolic link (content: '', filled from the shared file it names) */
  link?: string;
}

/** A container's hosts file that links into /etc/netns/.hosts/ is netkeeper's: no one else makes that directory. */
const isOwnedLink = isSharedHostsLink;

export function parseEtcNetnsFiles(files: EtcNetnsFile[]): FileRes[] {
  const byNs = new Map<string, Map<string, EtcNetnsFile>>();
  const out: FileRes[] = [];
  for (const f of files) {
    // the shared hosts files, /etc/netns/.hosts/<set>: the host's, netkeeper's when they carry the header
    if (f.ns === SHARED_HOSTS_DIRNAME) {
      out.push({ kind: 'file', key: key.file(f.path), ns: HOST_NS, owned: isOwnedFileContent(f.content), path: f.path, content: f.content });
      continue;
    }
    let m = byNs.get(f.ns);
    if (!m) byNs.set(f.ns, (m = new Map()));
    m.set(f.name, f);
  }
  // a link's content is what it points to (the same string), for whoever shows the file
  const sharedContent = new Map(files.filter((f) => f.ns === SHARED_HOSTS_DIRNAME).map((f) => [sharedHostsLink(f.name), f.content]));
  for (const [ns, m] of byNs) {
    const hosts = m.get('hosts');
    const resolv = m.get('resolv.conf');
    const ownedFile = (f: EtcNetnsFile) => (f.link !== undefined ? isOwnedLink(f.link) : isOwnedFileContent(f.content));
    const hostnameOwned = hosts ? ownedFile(hosts) : isOwnedFileContent(resolv?.content);
    for (const f of m.values()) {
      const owned = f.name === 'hostname' ? hostnameOwned : ownedFile(f);
      if (f.link === undefined) out.push({ kind: 'file', key: key.file(f.path), ns, owned, path: f.path, content: f.content });
      else out.push({ kind: 'file', key: key.file(f.path), ns, owned, path: f.path, content: sharedContent.get(f.link) ?? '', link: f.link });
    }
  }
  return out;
}
