import { describe, expect, it } from 'vitest';
import { parseListeners } from '../../../src/observe/listeners.js';

// as `ss -H -l -t -u -n -p` prints them (iproute2 6.1)
const SS = [
  'udp   UNCONN 0      0            0.0.0.0:4789       0.0.0.0:*',
  'udp   UNCONN 0      0      127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=402,fd=13))',
  'tcp   LISTEN 0      511          0.0.0.0:8080       0.0.0.0:*    users:(("nginx",pid=812,fd=6),("nginx",pid=813,fd=6))',
  'tcp   LISTEN 0      4096            [::]:22            [::]:*    users:(("sshd",pid=77,fd=4))',
  'tcp   LISTEN 0      128                *:9000             *:*    users:(("node",pid=99,fd=20))',
  'tcp   LISTEN 0      128   [::ffff:10.0.0.5]:7000           *:*',
  'garbage line',
].join('\n');

describe('parseListeners', () => {
  it('reads protocol, address, port and the first process of each socket', () => {
    expect(parseListeners(SS)).toEqual([
      { protocol: 'udp', addr: '0.0.0.0', port: 4789 },
      { protocol: 'udp', addr: '127.0.0.53', port: 53, process: 'systemd-resolve (pid 402)' },
      { protocol: 'tcp', addr: '0.0.0.0', port: 8080, process: 'nginx (pid 812)' },
      { protocol: 'tcp', addr: '::', port: 22, process: 'sshd (pid 77)' },
      { protocol: 'tcp', addr: '*', port: 9000, process: 'node (pid 99)' },
      { protocol: 'tcp', addr: '10.0.0.5', port: 7000 },
    ]);
  });

  it('is empty for no sockets', () => {
    expect(parseListeners('')).toEqual([]);
  });
});
