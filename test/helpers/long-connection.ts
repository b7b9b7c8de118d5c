// A long-lived TCP connection for "open connections survive" checks: an echo server,
// and a client that keeps ONE connection, sends a numbered line every 100 ms and
// prints each echo ("ok N"); it never reconnects and says "error" when the connection
// breaks. Both are scripts for `node -e`, started inside a namespace by the test.

import type { Background } from './sandbox.js';

export const ECHO_SERVER = `require('net').createServer((s) => s.pipe(s)).listen(Number(process.argv[1]), () => console.log('listening'));`;

export const CLIENT = `const s = require('net').connect(Number(process.argv[2]), process.argv[1]); let n = 0;
s.on('connect', () => { console.log('connected'); setInterval(() => s.write((++n) + '\\n'), 100); });
s.on('data', (d) => { for (const l of String(d).split('\\n').filter(Boolean)) console.log('ok ' + l); });
s.on('error', (e) => { console.log('error ' + e.message); process.exit(1); });
s.on('close', () => { console.log('error closed'); process.exit(1); });`;

/** How many echoes the client has printed so far. */
export const echoes = (b: Background): number => (b.output().match(/^ok \d+$/gm) ?? []).length;

/** Wait (polling every 50 ms) until `cond` holds; throws naming `what` after `ms`. */
export async function waitFor(what: string, cond: () => boolean, ms = 15000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
