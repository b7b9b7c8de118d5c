// Files under /etc/netns/<name>/ → FileRes. A file is netkeeper's when it starts with
// MARK.fileHeader (model/marks.ts); `hostname` (one bare line, no room for a header) is netkeeper's when
// the hosts file of the same directory is (or, without a hosts file, the resolv.conf).

import { key, type FileRes } from '../model/resources.js';
import { isOwnedFileContent } from '../model/marks.js';

export const NETNS_FILES = ['resolv.conf', 'hosts', 'hostname'] as const;

export interface EtcNetnsFile {
  /** namespace name (the directory under /etc/netns) */
  ns: string;
  /** file name inside the directory */
  name: string;
  /** full path */
  path: string;
  content: string;
}

export function parseEtcNetnsFiles(files: EtcNetnsFile[]): FileRes[] {
  const byNs = new Map<string, Map<string, EtcNetnsFile>>();
  for (const f of files) {
    let m = byNs.get(f.ns);
    if (!m) byNs.set(f.ns, (m = new Map()));
    m.set(f.name, f);
  }
  const out: FileRes[] = [];
  for (const [ns, m] of byNs) {
    const hosts = m.get('hosts');
    const resolv = m.get('resolv.conf');
    const hostnameOwned = hosts ? isOwnedFileContent(hosts.content) : isOwnedFileContent(resolv?.content);
    for (const f of m.values()) {
      const owned = f.name === 'hostname' ? hostnameOwned : isOwnedFileContent(f.content);
      out.push({ kind: 'file', key: key.file(f.path), ns, owned, path: f.path, content: f.content });
    }
  }
  return out;
}
