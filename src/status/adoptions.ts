// `status` marks the objects netkeeper adopted (issue 14) rather than made: a
// Network whose bridge, a Container whose namespace or a Link whose end was taken
// over from the live host (the record: src/shell/adoption-record.ts). Pure.
// (Not to be confused with a Container's `netns: {pid|path}`, src/status/adopted.ts.)

import { HOST_NS, key } from '../model/resources.js';
import type { StatusViews } from './views.js';

/** When each view's object was adopted, set on the views (`adopted`: ISO time). */
export function markAdopted(views: StatusViews, record: ReadonlyMap<string, string>): void {
  if (record.size === 0) return;
  const nsOf = new Map(views.containers.map((c) => [c.name, c.namespace]));
  for (const n of views.networks) {
    const at = n.interface ? record.get(key.link(HOST_NS, n.interface)) : undefined;
    if (at) n.adopted = at;
  }
  for (const c of views.containers) {
    const at = c.namespace ? record.get(key.netns(c.namespace)) : undefined;
    if (at) c.adopted = at;
  }
  for (const l of views.links) {
    const at = l.ends
      .map((e) => {
        const ns = e.container === 'host' ? HOST_NS : nsOf.get(e.container);
        return ns ? record.get(key.link(ns, e.interface)) : undefined;
      })
      .find((t) => t !== undefined);
    if (at) l.adopted = at;
  }
}

/** A name cell: `bridge (adopted)`. */
export const adoptedName = (v: { name: string; adopted?: string }): string => (v.adopted ? `${v.name} (adopted)` : v.name);
