// A namespace's rendered `ip -batch` lines (src/render/ip.ts) as the netlink writer's
// operations (nl-writer.ts). Fails closed: a line whose exact form is not known here
// makes the whole namespace go through `nsenter ip -batch` (undefined). Pure.

import type { Line } from '../../render/index.js';

export type NlOp =
  | {
      op: 'link';
      dev: string;
      /** IN6_ADDR_GEN_MODE: 0 eui64, 1 none */
      genmode?: 0 | 1;
      mtu?: number;
      address?: string;
      /** null: nomaster */
      master?: string | null;
      alias?: string;
      up?: boolean;
    }
  | { op: 'linkdel'; dev: string }
  | { op: 'addr'; cmd: 'replace' | 'del'; family: 4 | 6; addr: string; plen: number; dev: string; label?: string; nodad?: boolean }
  | {
      op: 'route';
      cmd: 'replace' | 'del';
      family: 4 | 6;
      /** null: the default route (dst_len 0, no RTA_DST) */
      dst: string | null;
      plen: number;
      via?: string;
      dev?: string;
      proto: number;
      onlink?: boolean;
    }
  | { op: 'neigh'; cmd: 'replace' | 'del'; ip: string; lladdr?: string; dev: string };

// a device name as the kernel allows it (IFNAMSIZ, no '/', no space), without what ip's batch parser treats specially
const IFNAME = /^[^\s/"'#\\]{1,15}$/;
const MAC = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;
const V4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const V6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/;
const WORD = /^[^\s"'#\\]+$/;

const familyOf = (ip: string): 4 | 6 | undefined => (V4.test(ip) ? 4 : V6.test(ip) ? 6 : undefined);

function prefix(s: string): { family: 4 | 6; addr: string; plen: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  const family = m ? familyOf(m[1]) : undefined;
  if (!m || !family) return undefined;
  const plen = Number(m[2]);
  return plen <= (family === 4 ? 32 : 128) ? { family, addr: m[1], plen } : undefined;
}

/** `link set dev X <opts>` */
function linkSet(dev: string, rest: string[]): NlOp | undefined {
  if (rest.length === 2 && rest[0] === 'addrgenmode' && (rest[1] === 'none' || rest[1] === 'eui64'))
    return { op: 'link', dev, genmode: rest[1] === 'none' ? 1 : 0 };
  const op: Extract<NlOp, { op: 'link' }> = { op: 'link', dev };
  for (let i = 0; i < rest.length; i++) {
    const [k, v] = [rest[i], rest[i + 1]];
    if (k === 'up' || k === 'down') {
      if (op.up !== undefined) return undefined;
      op.up = k === 'up';
    } else if (k === 'nomaster' && op.master === undefined) op.master = null;
    else if (v === undefined) return undefined;
    else if (k === 'mtu' && /^[1-9]\d{0,9}$/.test(v) && op.mtu === undefined && Number(v) <= 0xffffffff) (op.mtu = Number(v)), i++;
    else if (k === 'address' && MAC.test(v) && op.address === undefined) (op.address = v), i++;
    else if (k === 'master' && IFNAME.test(v) && op.master === undefined) (op.master = v), i++;
    else if (k === 'alias' && WORD.test(v) && op.alias === undefined) (op.alias = v), i++;
    else return undefined;
  }
  return rest.length > 0 ? op : undefined;
}

function route(cmd: 'replace' | 'del', t: string[]): NlOp | undefined {
  const [dst, ...rest] = t;
  const opts: Record<string, string> = {};
  let onlink = false;
  for (let i = 0; i < rest.length; i++) {
    const k = rest[i];
    if (k === 'onlink' && cmd === 'replace' && !onlink) onlink = true;
    else if ((k === 'via' || k === 'dev' || k === 'proto') && rest[i + 1] !== undefined && !(k in opts)) opts[k] = rest[++i];
    else return undefined;
  }
  if (opts.proto === undefined || !/^\d{1,3}$/.test(opts.proto) || Number(opts.proto) > 255) return undefined;
  if (opts.dev !== undefined && !IFNAME.test(opts.dev)) return undefined;
  if (cmd === 'del' && opts.via !== undefined) return undefined;
  const viaFamily = opts.via !== undefined ? familyOf(opts.via) : undefined;
  if (opts.via !== undefined && !viaFamily) return undefined;
  let family: 4 | 6;
  let addr: string | null;
  let plen: number;
  if (dst === 'default') {
    family = viaFamily ?? 4;
    addr = null;
    plen = 0;
  } else {
    const p = dst !== undefined ? prefix(dst) : undefined;
    if (!p) return undefined;
    ({ family, plen } = p);
    addr = p.addr;
  }
  // a gateway of the other family is RTA_VIA: not done here
  if (viaFamily && viaFamily !== family) return undefined;
  return {
    op: 'route',
    cmd,
    family,
    dst: addr,
    plen,
    ...(opts.via !== undefined ? { via: opts.via } : {}),
    ...(opts.dev !== undefined ? { dev: opts.dev } : {}),
    proto: Number(opts.proto),
    ...(onlink ? { onlink } : {}),
  };
}

/** One rendered line as an operation; undefined when its form is not one the writer knows. */
export function nlOp(text: string): NlOp | undefined {
  if (/["'#\\]/.test(text)) return undefined; // quoting and comments: ip's own parser
  const t = text.trim().split(/\s+/);
  const [obj, cmd] = t;
  if (obj === 'link' && t[2] === 'dev' && t[3] !== undefined && IFNAME.test(t[3])) {
    if (cmd === 'set') return linkSet(t[3], t.slice(4));
    if (cmd === 'del' && t.length === 4) return { op: 'linkdel', dev: t[3] };
    return undefined;
  }
  if (obj === 'addr' && (cmd === 'replace' || cmd === 'del')) {
    const p = t[2] !== undefined ? prefix(t[2]) : undefined;
    if (!p || t[3] !== 'dev' || t[4] === undefined || !IFNAME.test(t[4])) return undefined;
    const op: Extract<NlOp, { op: 'addr' }> = { op: 'addr', cmd, ...p, dev: t[4] };
    const rest = t.slice(5);
    for (let i = 0; i < rest.length; i++) {
      if (cmd === 'replace' && rest[i] === 'label' && rest[i + 1] !== undefined && IFNAME.test(rest[i + 1]) && op.label === undefined) op.label = rest[++i];
      else if (cmd === 'replace' && rest[i] === 'nodad' && p.family === 6 && !op.nodad) op.nodad = true;
      else return undefined;
    }
    return op;
  }
  if (obj === 'route' && (cmd === 'replace' || cmd === 'del')) return route(cmd, t.slice(2));
  if (obj === 'neigh' && (cmd === 'replace' || cmd === 'del')) {
    const ip = t[2];
    if (ip === undefined || !familyOf(ip)) return undefined;
    if (cmd === 'del') return t.length === 5 && t[3] === 'dev' && IFNAME.test(t[4]) ? { op: 'neigh', cmd, ip, dev: t[4] } : undefined;
    const ok = t.length === 9 && t[3] === 'lladdr' && MAC.test(t[4]) && t[5] === 'dev' && IFNAME.test(t[6]) && t[7] === 'nud' && t[8] === 'permanent';
    return ok ? { op: 'neigh', cmd, ip, lladdr: t[4], dev: t[6] } : undefined;
  }
  return undefined;
}

/** Every line as an operation, or undefined when any line is not one the writer knows (the namespace goes through ip). */
export function nlOps(lines: readonly Line[]): NlOp[] | undefined {
  const out: NlOp[] = [];
  for (const l of lines) {
    const op = nlOp(l.text);
    if (!op) return undefined;
    out.push(op);
  }
  return out;
}
