// The default plan: one block per declared object with its action and its
// attributes in the files' words, for each kind of object; natural order; colour.
import { describe, expect, it } from 'vitest';
import { scenario } from './scenario-fixtures.js';
import { formatDetailPlan, formatGroupedPlan } from '../../../src/view/plan-text.js';
import { colorWanted } from '../../../src/commands/plan-view.js';
import { fileDiff } from '../../../src/view/line-diff.js';
import { diff } from '../../../src/plan/diff.js';

const NET = (extra = '', sub = '172.20.0.0/24') => `
kind: Network
name: app
${extra}
subnets: [{subnet: ${sub}}]
`;
const C = (name: string, ip: string, extra = '') => `---
kind: Container
name: ${name}
networks: [{network: app, ip: ${ip}}]
${extra}
`;
const ROUTERS = `
kind: Container
name: r1
mode: none
---
kind: Container
name: r2
mode: none
`;
const LINK = (mtu: number, a = '10.0.12.1/32') => `---
kind: Link
name: a-b
mtu: ${mtu}
endpoints:
  - {container: r1, ifname: p12, ip: ${a}}
  - {container: r2, ifname: p21, ip: 10.0.12.2/32}
`;
const OV = (dbHost: string | undefined) => `
kind: Host
name: node-a
address: 192.168.50.1
---
kind: Host
name: h1
address: 192.168.50.2
---
kind: Host
name: h2
address: 192.168.50.3
---
kind: Network
name: ov
driver: overlay
vni: 4097
subnets: [{subnet: 10.50.0.0/24}]
---
kind: Container
name: web
host: node-a
networks: [{network: ov, ip: 10.50.0.10}]
---
kind: Container
name: api
host: h1
networks: [{network: ov, ip: 10.50.0.20}]
${
  dbHost
    ? `---
kind: Container
name: db
host: ${dbHost}
networks: [{network: ov, ip: 10.50.0.30}]`
    : ''
}
`;
const MV = (ip: string) => `
kind: Network
name: lan
driver: macvlan
parent: eth0
subnets: [{subnet: 192.168.9.0/24, gateway: 192.168.9.1}]
---
kind: Container
name: sensor
networks: [{network: lan, ip: ${ip}}]
`;

const plan = (before: string, after: string, color = false) => {
  const s = scenario(before, after);
  return formatGroupedPlan(s.plan, s.sides, { color });
};
/** The block of one object: its header line and the indented lines under it. */
function block(text: string, header: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.replace(/^\s*\S+ /, '') === header);
  if (i < 0) throw new Error(`no block ${header} in:\n${text}`);
  const out = [lines[i]];
  for (const l of lines.slice(i + 1)) {
    if (!l.startsWith('      ')) break;
    out.push(l);
  }
  return out.join('\n');
}

describe('the grouped plan', () => {
  it('network: create, update (mtu), address change, delete; the summary counts objects', () => {
    const created = plan('', NET());
    expect(block(created, 'Network app')).toBe(
      ['  + Network app', '      bridge: br-app', '      subnet: 172.20.0.0/24', '      gateway: 172.20.0.1'].join('\n'),
    );
    expect(created).toMatch(/\nPlan: 1 to create, 1 to update, 0 to replace, 0 to delete\.\n$/);

    const mtu = plan(NET() + C('web', '172.20.0.3'), NET('mtu: 1400') + C('web', '172.20.0.3'));
    expect(block(mtu, 'Network app')).toBe('  ~ Network app\n      mtu: 1500 → 1400');
    expect(block(mtu, 'Container web')).toBe('  ~ Container web\n      mtu: 1500 → 1400');
    expect(mtu).toContain('Plan: 0 to create, 2 to update, 0 to replace, 0 to delete.');
    expect(mtu).not.toMatch(/nk[0-9a-f]{10}|link:|addr:/); // no kernel names by default

    const subnet = plan(NET() + C('web', '172.20.0.3'), NET('', '172.21.0.0/24') + C('web', '172.21.0.3'));
    expect(block(subnet, 'Network app')).toContain('subnet: 172.20.0.0/24 → 172.21.0.0/24');
    expect(block(subnet, 'Container web')).toContain('ip: 172.20.0.3 → 172.21.0.3');

    const deleted = plan(NET(), '');
    expect(block(deleted, 'Network app')).toBe('  - Network app');
    expect(deleted).toContain('0 to create, 1 to update, 0 to replace, 1 to delete');
  });

  it('container: create, address and published port changes, delete', () => {
    const created = plan(NET(), NET() + C('web', '172.20.0.3', 'ports: ["8080:80", "127.0.0.1:5353:53/udp"]'));
    expect(block(created, 'Container web')).toBe(
      ['  + Container web', '      networks: app', '      ip: 172.20.0.3', '      ports: 127.0.0.1:5353:53/udp, 8080:80'].join('\n'),
    );
    const moved = plan(NET() + C('web', '172.20.0.3', 'ports: ["8080:80"]'), NET() + C('web', '172.20.0.4', 'ports: ["8081:80"]'));
    const web = block(moved, 'Container web');
    expect(web).toMatch(/^ {2}~ Container web\n/);
    expect(web).toContain('      ip: 172.20.0.3 → 172.20.0.4');
    expect(web).toContain('      ports: 8080:80 → 8081:80');
    const gone = plan(NET() + C('web', '172.20.0.3') + C('old', '172.20.0.9'), NET() + C('web', '172.20.0.3'));
    expect(block(gone, 'Container old')).toBe('  - Container old');
    // the shared hosts file loses old's entry: part of deleting old, not an update of the survivor
    expect(gone).not.toContain('Container web');
    expect(gone).toContain('Plan: 0 to create, 0 to update, 0 to replace, 1 to delete.');
  });

  it('published port only: the container that publishes it, not the host chain', () => {
    const p = plan(
      NET() + C('web', '172.20.0.3', 'ports: ["8080:80"]') + C('db', '172.20.0.5'),
      NET() + C('web', '172.20.0.3', 'ports: ["8081:80"]') + C('db', '172.20.0.5'),
    );
    expect(p).toBe('  ~ Container web\n      ports: 8080:80 → 8081:80\n\nPlan: 0 to create, 1 to update, 0 to replace, 0 to delete.\n');
  });

  it('container replace: a namespace made anew says why', () => {
    const s = scenario(NET() + C('web', '172.20.0.3'), NET() + C('web', '172.20.0.3'));
    expect(s.plan.changes).toEqual([]);
    const before = scenario('', NET() + C('web', '172.20.0.3'));
    const observed = before.sides.desired.map((r) => (r.kind === 'netns' ? { ...r, broken: `${r.path} holds no namespace` } : r));
    const p = diff(
      { resources: new Map(before.sides.desired.map((r) => [r.key, r])) },
      { resources: new Map(observed.map((r) => [r.key, r])), facts: { foreignRoutes: [], resolvConf: '', hostname: 'node-a', linkMtu: {} } },
      { prune: true },
    );
    const text = formatGroupedPlan(p, { topo: before.sides.topo, desired: before.sides.desired, observed });
    expect(block(text, 'Container web')).toBe('-/+ Container web\n      (forces replacement: /run/netns/web holds no namespace)');
    expect(text).toContain('0 to create, 0 to update, 1 to replace, 0 to delete');
  });

  it('link: create, update (mtu, address), delete', () => {
    const created = plan(ROUTERS, ROUTERS + LINK(1500));
    expect(block(created, 'Link a-b')).toBe(
      ['  + Link a-b', '      ends: r1/p12 ↔ r2/p21', '      ip (r1/p12): 10.0.12.1/32', '      ip (r2/p21): 10.0.12.2/32'].join('\n'),
    );
    expect(created).toContain('Plan: 1 to create, 0 to update, 0 to replace, 0 to delete.');
    expect(block(plan(ROUTERS + LINK(1500), ROUTERS + LINK(9000)), 'Link a-b')).toBe('  ~ Link a-b\n      mtu: 1500 → 9000');
    expect(block(plan(ROUTERS + LINK(1500), ROUTERS + LINK(1500, '10.0.12.5/32')), 'Link a-b')).toContain('ip (r1/p12): 10.0.12.1/32 → 10.0.12.5/32');
    expect(plan(ROUTERS + LINK(1500), ROUTERS)).toBe('  - Link a-b\n\nPlan: 0 to create, 0 to update, 0 to replace, 1 to delete.\n');
  });

  it('overlay: the entries for containers on other hosts are grouped by that host', () => {
    const moved = plan(OV('h1'), OV('h2'));
    expect(block(moved, 'Host h1')).toBe('  ~ Host h1\n      containers (ov):\n        - db 10.50.0.30');
    expect(block(moved, 'Host h2')).toBe(
      ['  + Host h2', '      address: 192.168.50.3', '      containers (ov): db 10.50.0.30', '      floods (ov): yes'].join('\n'),
    );
    const added = plan(OV(undefined), OV('h1'));
    expect(block(added, 'Host h1')).toBe('  ~ Host h1\n      containers (ov):\n        + db 10.50.0.30');
    expect(added).not.toContain('Network ov');
    const gone = plan(OV('h1'), OV(undefined));
    expect(block(gone, 'Host h1')).toBe('  ~ Host h1\n      containers (ov):\n        - 10.50.0.30');
  });

  it('macvlan: the container, with its network and address', () => {
    expect(plan('', MV('192.168.9.11'))).toBe(
      '  + Container sensor\n      networks: lan\n      ip: 192.168.9.11\n\nPlan: 1 to create, 0 to update, 0 to replace, 0 to delete.\n',
    );
    expect(block(plan(MV('192.168.9.11'), MV('192.168.9.12')), 'Container sensor')).toContain('ip: 192.168.9.11 → 192.168.9.12');
    expect(plan(MV('192.168.9.11'), '')).toContain('  - Container sensor\n');
  });

  it('host settings: sysctls and the firewall base chains', () => {
    const p = plan(NET(), NET() + C('web', '172.20.0.3', 'ports: ["127.0.0.1:8080:80"]'));
    const s = block(p, 'Host settings');
    expect(s).toMatch(/^ {2}~ Host settings\n/);
    expect(s).toContain('net.ipv4.conf.br-app.route_localnet: 0 → 1');
    expect(s).toContain('nat/NK-PORTS (iptables): created');
    expect(s).toContain('jump nat/OUTPUT → NK-PORTS: added');
    expect(plan(NET() + C('web', '172.20.0.3', 'ports: ["127.0.0.1:8080:80"]'), NET())).toContain('nat/NK-PORTS (iptables): removed');
  });

  it('natural order: c2 before c10, networks before containers before links', () => {
    const p = plan(ROUTERS, ROUTERS + LINK(1500) + '---' + NET() + C('c10', '172.20.0.10') + C('c2', '172.20.0.2') + C('c1', '172.20.0.11'));
    const heads = p
      .split('\n')
      .filter((l) => /^ *(\+|~|-|-\/\+) [A-Z]/.test(l))
      .map((l) => l.trim());
    expect(heads).toEqual(['+ Network app', '+ Container c1', '+ Container c2', '+ Container c10', '+ Link a-b', '~ Host settings']);
  });

  it('nothing to do', () => {
    expect(plan(NET() + C('web', '172.20.0.3'), NET() + C('web', '172.20.0.3'))).toBe('No changes: the kernel matches networks.d.\n');
  });

  it('colour only when asked: green create, yellow update, red delete; NO_COLOR and non-terminals get none', () => {
    const p = plan(NET() + C('old', '172.20.0.9'), NET('mtu: 1400') + C('web', '172.20.0.3'), true);
    expect(p).toContain('\x1b[32m  +\x1b[0m \x1b[1mContainer web\x1b[0m');
    expect(p).toContain('\x1b[33m  ~\x1b[0m \x1b[1mNetwork app\x1b[0m');
    expect(p).toContain('\x1b[31m  -\x1b[0m \x1b[1mContainer old\x1b[0m');
    expect(plan(NET() + C('old', '172.20.0.9'), NET())).not.toContain('\x1b[');
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted(false, {})).toBe(false);
    expect(colorWanted(true, { TERM: 'dumb' })).toBe(false);
  });
});

describe('--detail', () => {
  it('lists the kernel changes under their object: hashed veth names with their owner, rules one a line, file diffs', () => {
    const s = scenario(NET() + C('web', '172.20.0.3', 'ports: ["8080:80"]'), NET() + C('web', '172.20.0.3', 'ports: ["8081:80"]') + C('db', '172.20.0.5'));
    const d = formatDetailPlan(s.plan, s.sides);
    expect(d).toMatch(/ {2}\+ Container db:\n(?: {3}.*\n)*? {3}\+ {2}link:host\/nk[0-9a-f]{10}/);
    expect(d).toContain('        + -A NK-PORTS-br-app -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.20.0.3:80');
    expect(d).toContain('        - -A NK-PORTS-br-app -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.20.0.3:80');
    // web's hosts links to the shared file of network app (shared-hosts.ts): that file gains db
    expect(d).toContain('        --- /etc/netns/.hosts/app\n        +++ /etc/netns/.hosts/app\n');
    expect(d).toContain('        /etc/netns/db/hosts -> ../.hosts/app\n');
    expect(d).toContain('        +172.20.0.5\tdb\n');
    expect(d).toMatch(/Plan: \d+ to create, \d+ to update, 0 to replace, 0 to delete \(kernel objects\)\.\n$/);
  });

  it('fileDiff: unified lines, kept ones with a space', () => {
    expect(fileDiff('/f', 'a\nb\nc\n', 'a\nc\nd\n')).toEqual(['--- /f', '+++ /f', ' a', '-b', ' c', '+d']);
    expect(fileDiff('/f', '', 'x\n')).toEqual(['--- /dev/null', '+++ /f', '+x']);
    expect(fileDiff('/f', 'x\n', 'x\n')).toEqual([]);
  });
});
