// Which namespaces a plan changes through the kernel: those a pass reads back after
// applying (the namespace's own batch appends the read, or one more process reads
// it). A file under /etc/netns/<name> is written through the file system and read
// back by the next observe's file read, never through the namespace: a pass whose
// only change in a namespace is a file (a hosts file after a peer arrived) starts
// no process there.

import type { Plan } from '../model/plan.js';
import { HOST_NS } from '../model/resources.js';
import { observedPeer } from './diff.js';

export function touchedNamespaces(plan: Plan): Set<string> {
  const out = new Set<string>();
  for (const c of plan.changes) {
    for (const r of [c.before, c.after]) {
      if (!r || r.kind === 'file') continue;
      out.add(r.ns);
      if (r.kind === 'link') {
        const p = observedPeer(r);
        if (p) out.add(p.ns);
      }
    }
  }
  out.delete(HOST_NS);
  return out;
}
