// Attachments before addresses: which container joins which network, under
// which interface name (eth<N> by position unless written), on which host.

import type { AttachmentSpec, ContainerSpec, NetworkSpec } from '../../model/config.js';
import { DEFAULT_NETWORK } from '../../model/defaults.js';
import { attachmentIfnames } from '../../model/names.js';
import type { NsInfo } from './namespaces.js';

export interface AttDraft {
  container: ContainerSpec;
  /** the namespace the interface lives in (undefined: mode host) */
  ns?: string;
  /** the container runs on this host */
  local: boolean;
  spec: AttachmentSpec;
  ifname: string;
}

/** Every attachment of every container in mode bridge, containers in the order given. */
export function attachmentDrafts(ctrs: ContainerSpec[], nsByName: Map<string, NsInfo>, specByName: Map<string, NetworkSpec>, self: string): AttDraft[] {
  const out: AttDraft[] = [];
  for (const c of ctrs) {
    if (c.mode.type !== 'bridge') continue;
    const specs: AttachmentSpec[] = c.networksDeclared ? c.networks : [{ network: DEFAULT_NETWORK, aliases: [], pos: c.pos }];
    const ifnames = attachmentIfnames(specs);
    const local = (c.host ?? self) === self;
    specs.forEach((a, i) => {
      if (!specByName.has(a.network)) return; // unknown-reference (config)
      out.push({ container: c, ns: nsByName.get(c.name)?.netns, local, spec: a, ifname: ifnames[i] });
    });
  }
  return out;
}
