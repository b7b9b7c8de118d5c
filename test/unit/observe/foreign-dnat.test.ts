import { describe, expect, it } from 'vitest';
import { foreignDnat } from '../../../src/observe/foreign-dnat.js';

const SAVE = `*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A PREROUTING -p tcp -m tcp --dport 9090 -j DNAT --to-destination 192.168.5.10:80
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
-A DOCKER ! -i docker0 -p udp -m udp --dport 5000:5002 -j DNAT --to-destination 172.17.0.3
-A NK-PORTS-br-x -p tcp -m tcp --dport 7000 -j DNAT --to-destination 10.0.0.2:80
COMMIT
`;

describe('foreignDnat', () => {
  it("reads the nat table's DNAT rules that are not netkeeper's, with protocol, ports and target", () => {
    expect(foreignDnat(SAVE, 'ipv4')).toEqual([
      {
        family: 'ipv4',
        chain: 'PREROUTING',
        rule: '-p tcp -m tcp --dport 9090 -j DNAT --to-destination 192.168.5.10:80',
        protocol: 'tcp',
        dport: 9090,
        dportEnd: 9090,
        toIp: '192.168.5.10',
        toPort: 80,
      },
      {
        family: 'ipv4',
        chain: 'DOCKER',
        rule: '! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
        protocol: 'tcp',
        dport: 8080,
        dportEnd: 8080,
        toIp: '172.17.0.2',
        toPort: 80,
      },
      {
        family: 'ipv4',
        chain: 'DOCKER',
        rule: '! -i docker0 -p udp -m udp --dport 5000:5002 -j DNAT --to-destination 172.17.0.3',
        protocol: 'udp',
        dport: 5000,
        dportEnd: 5002,
        toIp: '172.17.0.3',
      },
    ]);
  });
});
