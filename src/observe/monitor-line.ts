// One line of `ip monitor all-nsid` (iproute2 6.1; `-j` is ignored by monitor, so
// this reads its text). Every event starts a line with `[nsid N]` (a namespace the
// host has an id for) or `[nsid current]` (the host itself); an event printed on
// several lines continues with lines that start with white space. Interface names
// in an event of another namespace are the host's guesses (ip looks the index up
// in its own namespace): only the nsid is trusted. `nsid N (iproute2 netns name: X)`
// lines announce a new id (they name the namespace when ip knows it). Neighbour
// entries in a state the kernel's cache moves on its own (REACHABLE, STALE, ...)
// are traffic, not configuration: they are no event here.

export type MonitorLine =
  /** an event in the host namespace */
  | { where: 'host'; announce?: { nsid: number; name?: string } }
  /** an event inside the namespace the host knows by this id */
  | { where: 'nsid'; nsid: number }
  /** a continuation line, or something that is not an event */
  | { where: 'none' };

/** a neighbour entry the kernel's own cache manages (traffic comes and goes): not configuration */
const TRANSIENT_NEIGH = /\blladdr \S+(?: \S+)* (?:REACHABLE|STALE|DELAY|PROBE|FAILED|INCOMPLETE|NOARP)\s*$|\b(?:FAILED|INCOMPLETE)\s*$/;

const PREFIX = /^(?:\[[^\]]*\]\s*)?\[nsid (current|\d+)\]/;
const ANNOUNCE = /^nsid (\d+)(?: \(iproute2 netns name: ([^)]+)\))?/;

export function parseMonitorLine(line: string): MonitorLine {
  const m = PREFIX.exec(line);
  if (!m) return { where: 'none' };
  const rest = line.slice(m[0].length);
  if (TRANSIENT_NEIGH.test(rest) && !/\bPERMANENT\b/.test(rest)) return { where: 'none' };
  if (m[1] !== 'current') return { where: 'nsid', nsid: Number(m[1]) };
  const a = ANNOUNCE.exec(rest);
  if (!a) return { where: 'host' };
  return { where: 'host', announce: { nsid: Number(a[1]), ...(a[2] ? { name: a[2] } : {}) } };
}

/** `ip -j netns list`: name → nsid (namespaces without an id are left out). */
export function parseNetnsIds(json: string): Map<string, number> {
  const out = new Map<string, number>();
  const t = json.trim();
  if (!t) return out;
  for (const e of JSON.parse(t) as { name?: string; id?: number }[]) if (e.name && typeof e.id === 'number') out.set(e.name, e.id);
  return out;
}
