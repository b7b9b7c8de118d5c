// Ownership marks: what netkeeper writes into the kernel so that a later pass (or
// `status`) knows the object is its own, and the one place that makes and reads them.
// Desired builds marks with the make* functions; observe, plan and status read them
// back with the is*/parse* functions below, never with their own string checks.

/** Ownership marks netkeeper writes into the kernel itself. */
export const MARK = {
  /** ifalias prefix of every interface netkeeper made ("nk:" + role) */
  aliasPrefix: 'nk:',
  /** ifalias of `lo` inside a namespace netkeeper created */
  nsAlias: 'nk:netns',
  /** ifalias of `lo` in a namespace netkeeper created and keeps iptables rules in (a router container) */
  nsAliasFirewall: 'nk:netns:fw',
  /** route protocol number of every route netkeeper adds */
  routeProto: 77,
  /** IPv4 label of loopback addresses netkeeper adds (label must start with the ifname) */
  loLabel: 'lo:nk',
  /** first line of files netkeeper writes under /etc/netns */
  fileHeader: '# managed by netkeeper; edits are overwritten',
  /** comment on netkeeper's jump rules in built-in chains */
  ruleComment: 'netkeeper',
} as const;

/**
 * What an interface is for, in its ifalias `nk:<role>:<detail>`:
 * net (a network's bridge: detail = network), vxlan (an overlay's VXLAN device: network),
 * macvlan (network), veth (a veth end: detail = `<ns>/<ifname>` of the OTHER end),
 * link (a Link end: the Link's name).
 */
export type AliasRole = 'net' | 'vxlan' | 'macvlan' | 'veth' | 'link';

/** The ifalias of an interface netkeeper makes: `nk:<role>:<detail>`. */
export function makeAlias(role: AliasRole, detail: string): string {
  return `${MARK.aliasPrefix}${role}:${detail}`;
}

/** The ifalias of a veth end, naming where its other end is. */
export function makeVethAlias(peer: { ns: string; ifname: string }): string {
  return makeAlias('veth', `${peer.ns}/${peer.ifname}`);
}

/** Any `nk:` ifalias: the interface is netkeeper's. */
export function isOwnedAlias(alias: string | undefined): boolean {
  return alias !== undefined && alias.startsWith(MARK.aliasPrefix);
}

/** `nk:<role>:<detail>` → detail, when the alias has that role. */
export function aliasDetail(alias: string | undefined, role: AliasRole): string | undefined {
  const p = `${MARK.aliasPrefix}${role}:`;
  return alias?.startsWith(p) ? alias.slice(p.length) : undefined;
}

/** `nk:veth:<ns>/<ifname>` → the other end of the veth. */
export function parseVethAlias(alias: string | undefined): { ns: string; ifname: string } | undefined {
  const m = /^([^/]+)\/(.+)$/.exec(aliasDetail(alias, 'veth') ?? '');
  return m ? { ns: m[1], ifname: m[2] } : undefined;
}

/** Where the other end of a veth is: as observed across namespaces, else from its mark. */
export function vethPeer(l: { peer?: { ns: string; ifname: string }; alias?: string }): { ns: string; ifname: string } | undefined {
  return l.peer ?? parseVethAlias(l.alias);
}

/** The ifalias of `lo` in a namespace netkeeper creates (a router container's says it keeps iptables rules there). */
export function makeNetnsAlias(firewall: boolean): string {
  return firewall ? MARK.nsAliasFirewall : MARK.nsAlias;
}

/** `lo` carries netkeeper's namespace mark: netkeeper created the namespace. */
export function isNetnsAlias(alias: string | undefined): boolean {
  return alias === MARK.nsAlias || alias === MARK.nsAliasFirewall;
}

/** `lo` says netkeeper keeps iptables rules in this namespace (a router container). */
export function isFirewallNetnsAlias(alias: string | undefined): boolean {
  return alias === MARK.nsAliasFirewall;
}

/** A route's `protocol` (read with `ip -N`) is netkeeper's. */
export function isOwnedRouteProtocol(protocol: string | number | undefined): boolean {
  return protocol !== undefined && String(protocol) === String(MARK.routeProto);
}

/** A loopback address label is netkeeper's. */
export function isOwnedLoLabel(label: string | undefined): boolean {
  return label === MARK.loLabel;
}

/** A file under /etc/netns starts with netkeeper's header. */
export function isOwnedFileContent(content: string | undefined): boolean {
  return content !== undefined && content.startsWith(MARK.fileHeader);
}

/** The `--comment` of a rule is netkeeper's. */
export function isOwnedRuleComment(comment: string | undefined): boolean {
  return comment === MARK.ruleComment;
}

/** `nk:ROLE:DETAIL` → [role, detail]. */
export function aliasMark(alias: string | undefined): [string, string] | undefined {
  if (!alias?.startsWith(MARK.aliasPrefix)) return undefined;
  const rest = alias.slice(MARK.aliasPrefix.length);
  const i = rest.indexOf(':');
  return i < 0 ? [rest, ''] : [rest.slice(0, i), rest.slice(i + 1)];
}
