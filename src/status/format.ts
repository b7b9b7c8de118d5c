// Text for the status views: Docker-like tables (`docker network ls`, `docker
// ps`), one object in detail, and a line saying how the kernel stands against
// the files. Pure.

import { adoptedName } from './adoptions.js';
import { textTable } from '../model/text-table.js';
import { syncText, type Sync } from './drift.js';
import type { ContainerDetail, LinkDetail, NetworkDetail, ObjectDetail } from './inspect.js';
import { portLabel, type PortView } from './ports-drift.js';
import type { ListView } from './request.js';
import type { AttachmentView, ContainerView, LinkView, NetworkView, StatusViews } from './views.js';

const dash = (s: string | undefined | null) => (s ? s : '–');
const list = (xs: string[], max = 4) => (xs.length === 0 ? '–' : xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} +${xs.length - max} more`);
const withSync = (files: boolean, row: string[], s: Sync | null) => (files ? [...row, s ? syncText(s) : '–'] : row);
const attLabel = (a: AttachmentView) => {
  const ips = [a.ip4, a.ip6].filter(Boolean).join(',');
  return `${a.network ?? `link ${a.link ?? '?'}`}${ips ? `=${ips}` : ' (no address)'}`;
};

export function networksTable(nets: NetworkView[], files: boolean): string[] {
  const head = [...['NETWORK', 'DRIVER', 'SUBNET', 'GATEWAY', 'INTERFACE', 'CONTAINERS', 'PORTS'], ...(files ? ['DRIFT'] : [])];
  const rows = nets.map((n) =>
    withSync(files, [adoptedName(n), n.driver, list(n.subnets), list(n.gateways), dash(n.interface), list(n.containers), list(n.ports, 3)], n.sync),
  );
  return textTable([head, ...rows]);
}

export function containersTable(cs: ContainerView[], files: boolean): string[] {
  const head = [...['CONTAINER', 'NAMESPACE', 'MODE', 'NETWORKS', 'PORTS', 'STATE'], ...(files ? ['DRIFT'] : [])];
  const rows = cs.map((c) =>
    withSync(files, [adoptedName(c), dash(c.namespace), c.mode, list(c.networks.map(attLabel), 3), list(c.ports, 3), c.state], c.sync),
  );
  return textTable([head, ...rows]);
}

export function linksTable(ls: LinkView[], files: boolean): string[] {
  const head = [...['LINK', 'ENDS', 'MTU'], ...(files ? ['DRIFT'] : [])];
  const end = (e: LinkView['ends'][number]) => `${e.container}:${e.interface}${e.addresses.length ? ` ${e.addresses.join(',')}` : ''}${e.up ? '' : ' (down)'}`;
  const rows = ls.map((l) => withSync(files, [adoptedName(l), l.ends.map(end).join(' <-> ') || '–', l.mtu ? `${l.mtu}` : '–'], l.sync));
  return textTable([head, ...rows]);
}

const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
const hostPart = (ip: string, v6: boolean) => (v6 ? `[${ip}]` : ip);

export function portsTable(ports: PortView[], files: boolean): string[] {
  const head = [...['CONTAINER', 'HOST', 'PROTO', 'CONTAINER ADDRESS', 'NETWORK'], ...(files ? ['DRIFT'] : [])];
  const rows = ports.map((p) =>
    withSync(
      files,
      [
        p.container ?? '?',
        `${hostPart(p.hostIP, p.family === 'ipv6')}:${range(p.hostPort, p.hostPortEnd)}`,
        p.protocol,
        `${hostPart(p.containerIP, p.family === 'ipv6')}:${range(p.containerPort, p.containerPortEnd)}`,
        p.network ?? p.bridge,
      ],
      p.sync,
    ),
  );
  return textTable([head, ...rows]);
}

/** "Against networks.d: 1 drifted, 1 missing." — or nothing when the files were not read. */
export function againstFiles(dir: string | undefined, views: Pick<StatusViews, 'networks' | 'containers' | 'links' | 'ports' | 'settings'>): string[] {
  if (dir === undefined) return [];
  const all = [...views.networks, ...views.containers, ...views.links].map((o) => o.sync?.state);
  const n = (s: string) => all.filter((x) => x === s).length;
  const host = views.settings && views.settings.state !== 'in sync' ? [`Host settings: ${syncText(views.settings)}`] : [];
  const parts = [
    ['drifted', n('drifted')],
    ['missing', n('missing')],
    ['not declared', n('not declared')],
  ].filter(([, k]) => k) as [string, number][];
  if (parts.length === 0 && host.length === 0) return [`Against ${dir}: everything in sync.`];
  return [
    ...host,
    `Against ${dir}: ${parts.map(([s, k]) => `${k} ${s}`).join(', ') || 'objects in sync'}${parts.length || host.length ? ` (netkeeper plan --dir ${dir} shows the changes)` : ''}.`,
  ];
}

/** A list view as text (`status`, `status networks`, …). `dir`: the files compared with (undefined: none). */
export function formatView(view: ListView, v: StatusViews, dir: string | undefined): string {
  const files = dir !== undefined;
  const out: string[] = [];
  const sections: string[][] = [];
  if (view === 'overview' || view === 'networks') sections.push(v.networks.length ? networksTable(v.networks, files) : ['No networks.']);
  if (view === 'overview' || view === 'containers') sections.push(v.containers.length ? containersTable(v.containers, files) : ['No containers.']);
  if (view === 'overview' && v.links.length) sections.push(linksTable(v.links, files));
  if (view === 'ports') sections.push(v.ports.length ? portsTable(v.ports, files) : ['No published ports.']);
  if (view === 'overview' && !v.networks.length && !v.containers.length) sections.splice(0, sections.length, ['netkeeper owns nothing on this host.']);
  sections.forEach((s, i) => out.push(...(i ? [''] : []), ...s));
  const summary = againstFiles(
    dir,
    view === 'overview'
      ? v
      : { ...v, networks: view === 'networks' ? v.networks : [], containers: view === 'containers' ? v.containers : [], links: [], settings: null },
  );
  if (view === 'ports' && files) {
    const bad = v.ports.filter((p) => p.sync && p.sync.state !== 'in sync').length;
    out.push('', bad ? `Against ${dir}: ${bad} port(s) differ (netkeeper plan --dir ${dir} shows the changes).` : `Against ${dir}: every port in sync.`);
  } else if (summary.length) out.push('', ...summary);
  return out.join('\n') + '\n';
}

function indent(lines: string[], by = '    '): string[] {
  return lines.map((l) => by + l);
}

function formatNetworkDetail(d: NetworkDetail, files: boolean): string[] {
  const out = [`Network ${d.name}`];
  const field = (k: string, v: string) => out.push(`  ${`${k}:`.padEnd(12)}${v}`);
  field('driver', d.driver);
  field('interface', dash(d.interface));
  for (const s of d.subnets)
    field('subnet', `${s.subnet}${s.gateway ? `, gateway ${s.gateway}` : ', no gateway'}${s.ipRange ? `, ip range ${s.ipRange}` : ''}`);
  if (d.subnets.length === 0) field('subnet', '–');
  field('mtu', d.mtu ? `${d.mtu}` : '–');
  const opts = Object.entries(d.options);
  field('options', opts.length ? opts.map(([k, v]) => `${k}=${v}`).join(' ') : '– (not declared in the files)');
  if (files) field('drift', d.sync ? syncText(d.sync) : '–');
  out.push('  containers:');
  if (d.containers.length)
    out.push(
      ...indent(
        textTable([['NAME', 'INTERFACE', 'IPV4', 'IPV6', 'MAC'], ...d.containers.map((c) => [c.name, c.interface, dash(c.ip4), dash(c.ip6), dash(c.mac)])]),
      ),
    );
  else out.push('    none');
  out.push('  ports:');
  out.push(...(d.ports.length ? indent(portsTable(d.ports, files)) : ['    none']));
  if (d.overlay) {
    const o = d.overlay;
    out.push(`  overlay:    vni ${o.vni}, port ${o.port}, ${o.vxlanDev}, this host ${o.local.host ? `${o.local.host} (${o.local.address})` : o.local.address}`);
    const rows = o.members.map((m) => [
      m.container ?? '?',
      m.host ?? m.vtep ?? '?',
      m.local ? 'local' : 'remote',
      [m.ip4, m.ip6].filter(Boolean).join(' ') || '–',
      m.mac ?? '–',
    ]);
    if (rows.length) out.push(...indent(textTable([['MEMBER', 'HOST', 'WHERE', 'ADDRESS', 'MAC'], ...rows])));
  }
  out.push('  firewall (netkeeper chains, rules for this network):');
  out.push(
    ...(d.firewall.length
      ? d.firewall.map((f) => `    ${f.family === 'ipv6' ? 'ip6 ' : ''}${f.table}/${f.chain}: ${f.rules} rule${f.rules === 1 ? '' : 's'}`)
      : ['    none']),
  );
  return out;
}

const ORIGIN: Record<string, string> = {
  named: 'made and owned by netkeeper',
  adopted: "adopted: a process's namespace, never deleted",
  shared: 'shared with another container',
  host: "the host's own",
};

function formatContainerDetail(d: ContainerDetail, files: boolean): string[] {
  const out = [`Container ${d.name}`];
  const field = (k: string, v: string) => out.push(`  ${`${k}:`.padEnd(12)}${v}`);
  field('namespace', `${dash(d.namespace)}${d.origin ? ` (${ORIGIN[d.origin] ?? d.origin})` : ''}${d.path && d.path !== d.namespace ? `, ${d.path}` : ''}`);
  field('mode', d.mode);
  field('state', d.state);
  if (files) field('drift', d.sync ? syncText(d.sync) : '–');
  out.push('  interfaces:');
  const rows = d.interfaces.map((i) => [
    i.name,
    i.type,
    i.network ?? (i.link ? `link ${i.link}` : '–'),
    i.addresses.join(', ') || '–',
    dash(i.mac),
    i.mtu ? `${i.mtu}` : '–',
    i.up ? 'up' : 'down',
  ]);
  out.push(...(rows.length ? indent(textTable([['NAME', 'TYPE', 'NETWORK', 'ADDRESSES', 'MAC', 'MTU', 'STATE'], ...rows])) : ['    none']));
  out.push('  routes:');
  out.push(...(d.routes.length ? d.routes.map((r) => `    ${r.to}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`) : ['    none']));
  out.push('  ports:');
  out.push(...(d.ports.length ? d.ports.map((p) => `    ${portLabel(p)}${files && p.sync ? `  ${syncText(p.sync)}` : ''}`) : ['    none']));
  out.push('  files:');
  if (d.files.length === 0) out.push('    none');
  for (const f of d.files)
    out.push(
      `    ${f.path}`,
      ...f.content
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => `      ${l}`),
    );
  return out;
}

function formatLinkDetail(d: LinkDetail, files: boolean): string[] {
  const out = [`Link ${d.name}`, `  ${'mtu:'.padEnd(12)}${d.mtu ?? '–'}`];
  if (files) out.push(`  ${'drift:'.padEnd(12)}${d.sync ? syncText(d.sync) : '–'}`);
  out.push('  ends:');
  const rows = d.ends.map((e) => [e.container, e.interface, e.addresses.join(', ') || '–', dash(e.mac), e.mtu ? `${e.mtu}` : '–', e.up ? 'up' : 'down']);
  out.push(...(rows.length ? indent(textTable([['CONTAINER', 'INTERFACE', 'ADDRESSES', 'MAC', 'MTU', 'STATE'], ...rows])) : ['    none']));
  return out;
}

export function formatDetails(ds: ObjectDetail[], files: boolean): string {
  const one = (d: ObjectDetail) =>
    d.kind === 'network' ? formatNetworkDetail(d, files) : d.kind === 'container' ? formatContainerDetail(d, files) : formatLinkDetail(d, files);
  return ds.map((d) => one(d).join('\n')).join('\n\n') + '\n';
}
