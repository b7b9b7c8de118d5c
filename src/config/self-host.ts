// Which Host document this machine is. With Host documents in the files, the name
// a reconciler runs as (--host, default the machine's hostname) must be one of
// them: under any other name every container placed on a declared host looks
// like another machine's, and a typo would plan deleting all of this one's.
import type { Diagnostic } from '../model/diagnostic.js';
import type { HostSpec } from '../model/config.js';

export function selfHostErrors(hosts: readonly HostSpec[], self: string): Diagnostic[] {
  if (hosts.length === 0 || hosts.some((h) => h.name === self)) return [];
  const names = hosts.map((h) => h.name).sort();
  return [
    {
      code: 'unknown-self-host',
      object: `Host ${self}`,
      message:
        `this machine runs as "${self}" (--host, default: its hostname), but the Host documents declare only ${names.join(', ')}; ` +
        `give --host with one of them (or add a Host named ${self})`,
      pos: hosts[0].pos,
    },
  ];
}
