// `bridge [-j] [-force] -batch -` against the fake state: FDB entries of VXLAN
// devices (`self`, with a remote `dst`) and of bridge ports (`master static`).

import { fdbShow } from './ip-show.js';
import { LineError, ParseAbort, splitArgs, type BatchContext } from './ip-batch.js';

export function runBridgeLine(ctx: BatchContext, line: string): string {
  const [obj, verb = 'show', mac0, ...rest] = splitArgs(line);
  if (obj !== 'fdb') throw new ParseAbort(`Object "${obj}" is unknown, try "bridge help".`);
  if (verb === 'show') {
    const dev = mac0 === 'dev' ? rest[0] : undefined;
    if (!dev) throw new ParseAbort('fake kernel: only `fdb show dev D` is modelled');
    if (!ctx.ns.byName(dev)) throw new LineError(`Cannot find device "${dev}"`);
    return ctx.json ? JSON.stringify(fdbShow(ctx.ns, dev)) + '\n' : '';
  }
  const mac = (mac0 ?? '').toLowerCase();
  const words = new Set(rest);
  const at = (w: string) => (rest.includes(w) ? rest[rest.indexOf(w) + 1] : undefined);
  const devName = at('dev');
  const dev = devName ? ctx.ns.byName(devName) : undefined;
  if (!dev) throw new LineError(`Cannot find device "${devName ?? ''}"`);
  const master = words.has('master');
  const dst = at('dst')?.toLowerCase();
  if (master && !dev.master) throw new LineError('RTNETLINK answers: Operation not supported');
  if (!master && dev.kind !== 'vxlan') throw new LineError('RTNETLINK answers: Operation not supported');
  const same = (f: { dev: string; mac: string; dst?: string; master: boolean }) =>
    f.dev === dev.ifname && f.mac === mac && f.master === master && (master || f.dst === dst);
  const i = ctx.ns.fdb.findIndex(same);
  switch (verb) {
    case 'del':
      if (i < 0) throw new LineError('RTNETLINK answers: No such file or directory');
      ctx.ns.fdb.splice(i, 1);
      return '';
    case 'add':
    case 'append':
    case 'replace':
      if (i >= 0 && verb === 'add') throw new LineError('RTNETLINK answers: File exists');
      if (i < 0) ctx.ns.fdb.push({ dev: dev.ifname, mac, master, ...(dst ? { dst } : {}) });
      return '';
    default:
      throw new ParseAbort(`Command "${verb}" is unknown, try "bridge fdb help".`);
  }
}
