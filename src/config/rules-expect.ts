// Rules on Expect documents (pure): each end is a declared container, "host", or
// an address a probe can use. Which addresses belong to a declared namespace is
// known only once addresses are allocated: the probe decides that (src/shell/probe/).

import type { ExpectEndpoint, ExpectSpec } from '../model/expect.js';
import { addressClass } from '../model/ip-classes.js';
import { parseIP } from '../model/ip.js';
import { closest } from './did-you-mean.js';
import type { RuleCtx } from './rules-context.js';

export function checkExpects(ctx: RuleCtx): void {
  for (const x of ctx.cfg.expects ?? []) {
    checkEnd(ctx, x, 'from', x.from);
    checkEnd(ctx, x, 'to', x.to);
  }
}

function checkEnd(ctx: RuleCtx, x: ExpectSpec, field: 'from' | 'to', e: ExpectEndpoint): void {
  const at = ctx.pos(x, field);
  if (e.type === 'container') {
    if (ctx.containers.has(e.name)) return;
    const near = closest(e.name, [...ctx.containers.keys(), 'host']);
    ctx.error(
      'unknown-reference',
      x,
      at,
      `${field}: container "${e.name}" is not declared${near ? ` (did you mean ${near}?)` : ''}; write a declared container, host, or an address`,
    );
    return;
  }
  if (e.type !== 'address') return;
  const k = addressClass(parseIP(e.address)!);
  // a destination on loopback is the source namespace's own lo (a port published on 127.0.0.1, from the host)
  if (!k || (k.name === 'loopback' && field === 'to') || k.name === 'link-local') return;
  ctx.error('expect-endpoint', x, at, `${field}: ${e.address} is a ${k.name} address (${k.why}): a probe can neither start from nor aim at it`);
}
