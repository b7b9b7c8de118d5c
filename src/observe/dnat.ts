// One DNAT rule as iptables-save prints it (the form netkeeper writes in its
// NK-PORTS-<bridge> chains) → what it publishes. Pure; the one parser of these
// rules, for `status`, for the host ports a plan keeps, and for the UDP ports
// whose conntrack entries go stale.

export interface DnatRule {
  /** the -d match as printed ("127.0.0.1/32"); absent: any local address */
  dest?: string;
  protocol: 'tcp' | 'udp';
  hostPort: number;
  hostPortEnd: number;
  containerIP: string;
  containerPort: number;
  containerPortEnd: number;
}

const DNAT_RE = /^(?:-d (\S+) )?-p (tcp|udp) -m (?:tcp|udp) --dport (\d+)(?::(\d+))? -j DNAT --to-destination (\S+)$/;

/** "10.0.0.2", "10.0.0.2:80", "10.0.0.2:80-81", "[fd00::2]:80", "fd00::2" → address and port range. */
function parseTarget(t: string): { ip: string; port?: number; portEnd?: number } {
  let ip: string;
  let ports: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.+))?$/.exec(t);
  if (v6) [, ip, ports] = v6;
  else if (t.includes(':') && t.indexOf(':') === t.lastIndexOf(':')) [ip, ports] = t.split(':');
  else ip = t; // IPv4 without port, or bare IPv6
  if (ports === undefined) return { ip };
  const [a, b] = ports.split('-').map(Number);
  return { ip, port: a, portEnd: b ?? a };
}

/** undefined: not a DNAT rule of that form. */
export function parseDnat(rule: string): DnatRule | undefined {
  const m = DNAT_RE.exec(rule);
  if (!m) return undefined;
  const [, dest, protocol, a, b, to] = m;
  const hostPort = Number(a);
  const hostPortEnd = b ? Number(b) : hostPort;
  const t = parseTarget(to);
  // a range DNAT'ed without a port keeps the port
  const containerPort = t.port ?? hostPort;
  const containerPortEnd = t.port === undefined ? hostPortEnd : (t.portEnd ?? t.port);
  return {
    ...(dest ? { dest } : {}),
    protocol: protocol as 'tcp' | 'udp',
    hostPort,
    hostPortEnd,
    containerIP: t.ip.toLowerCase(),
    containerPort,
    containerPortEnd,
  };
}

/** The host address a rule publishes on, as users write it: its -d match without /32 or /128, else any address of the family. */
export function dnatHostIP(rule: Pick<DnatRule, 'dest'>, family: 'ipv4' | 'ipv6'): string {
  return rule.dest ? rule.dest.replace(/\/(32|128)$/, '') : family === 'ipv6' ? '::' : '0.0.0.0';
}
