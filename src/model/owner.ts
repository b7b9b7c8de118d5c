// A declared object as the screens name it — a Network, Container, Link, a peer
// Host of an overlay, or the host-wide settings — shared by the grouped plan
// (src/view/owners.ts) and status (src/status/owners.ts). Each maps kernel objects
// to owners its own way (see their headers); the names are these. Pure.

export type OwnerKind = 'network' | 'container' | 'link' | 'host' | 'settings';

export interface Owner {
  kind: OwnerKind;
  name: string;
}

export const SETTINGS: Owner = { kind: 'settings', name: '' };

export const ownerId = (o: Owner): string => `${o.kind}:${o.name}`;

const LABEL: Record<OwnerKind, string> = { network: 'Network', container: 'Container', link: 'Link', host: 'Host', settings: 'Host settings' };

/** How the plan names it: `Container web`, `Host settings`. */
export const ownerLabel = (o: Owner): string => (o.kind === 'settings' ? LABEL.settings : `${LABEL[o.kind]} ${o.name}`);
