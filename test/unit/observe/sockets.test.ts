// Ports bound on the host, from /proc/net/{tcp,udp}{,6}.
import { describe, expect, it } from 'vitest';
import { boundPorts, parseProcNet } from '../../../src/observe/sockets.js';

describe('/proc/net sockets', () => {
  const TCP = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1065 1 0 100 0 0 10 0',
    '   1: 0100007F:C351 0100007F:0016 01 00000000:00000000 00:00000000 00000000     0        0 1066 1 0 100 0 0 10 0',
  ].join('\n');
  const TCP6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue',
    '   0: 00000000000000000000000000000000:C350 00000000000000000000000000000000:0000 0A 00000000:00000000',
  ].join('\n');
  const UDP = ['  sl  local_address rem_address   st', '  5: 00000000:0035 00000000:0000 07 00000000:00000000'].join('\n');
  it('TCP: listening sockets only; UDP: every socket; both families', () => {
    expect(parseProcNet(TCP, true)).toEqual([2024]);
    expect(boundPorts({ tcp: [TCP, TCP6], udp: [UDP, ''] })).toEqual({ tcp: [2024, 50000], udp: [53] });
  });
});
