// One status request → its text or JSON document (`formatVersion: 1`; see
// schemas/status-output.schema.json and docs/status.md). Pure.

import type { Resource } from '../model/resources.js';
import type { Topology } from '../model/topology.js';
import type { ListView, StatusRequest } from './request.js';
import type { StatusViews } from './views.js';
import { formatDetails, formatView } from './format.js';
import { closeNames, containerDetail, linkDetail, networkDetail, type ObjectDetail } from './inspect.js';

export const STATUS_FORMAT_VERSION = 1;

export interface StatusData {
  views: StatusViews;
  /** the resources the views were built from (for one object's detail) */
  resources: Resource[];
  topo?: Topology;
  /** the directory compared with; problem: why it could not be (then nothing is marked) */
  files: { dir: string; problem: string | null } | null;
  /** e.g. an adopted namespace that is gone */
  warnings: string[];
  /** a running watcher's state, and its text */
  watcher: { state: unknown; text: string } | null;
  /** the last results of the expectations (kind Expect), and their text; null: never probed */
  expectations?: { state: unknown; text: string } | null;
}

export type StatusOutput = { ok: true; text: string } | { ok: false; error: string };

const compared = (d: StatusData) => (d.files && d.files.problem === null ? d.files.dir : undefined);

function listDocument(view: ListView, d: StatusData): Record<string, unknown> {
  const v = d.views;
  const base = { formatVersion: STATUS_FORMAT_VERSION, view, files: d.files };
  switch (view) {
    case 'networks':
      return { ...base, networks: v.networks };
    case 'containers':
      return { ...base, containers: v.containers };
    case 'ports':
      return { ...base, ports: v.ports };
    case 'overview':
      return {
        ...base,
        networks: v.networks,
        containers: v.containers,
        links: v.links,
        ports: v.ports,
        settings: v.settings,
        warnings: d.warnings,
        watcher: d.watcher?.state ?? null,
        expectations: d.expectations?.state ?? null,
      };
  }
}

export function inspectObjects(name: string, d: StatusData): ObjectDetail[] {
  const out: ObjectDetail[] = [];
  const n = networkDetail(name, d.views, d.resources, d.topo);
  if (n) out.push(n);
  const c = containerDetail(name, d.views, d.resources, d.topo);
  if (c) out.push(c);
  const l = linkDetail(name, d.views, d.resources);
  if (l) out.push(l);
  return out;
}

export function statusOutput(req: Exclude<StatusRequest, { view: 'detail' }>, d: StatusData, json: boolean): StatusOutput {
  const dir = compared(d);
  if (req.view === 'inspect') {
    const objects = inspectObjects(req.name, d);
    if (objects.length === 0) {
      const names = [...d.views.networks.map((n) => n.name), ...d.views.containers.map((c) => c.name), ...d.views.links.map((l) => l.name)];
      const close = closeNames(req.name, names);
      const hint = close.length
        ? ` (did you mean ${close.join(' or ')}?)`
        : names.length
          ? ` (networks: ${d.views.networks.map((n) => n.name).join(', ') || 'none'}; containers: ${d.views.containers.map((c) => c.name).join(', ') || 'none'})`
          : ' (there are none here)';
      return { ok: false, error: `no network, container or link named ${req.name}${hint}; status also takes networks, containers or ports` };
    }
    if (json) return { ok: true, text: JSON.stringify({ formatVersion: STATUS_FORMAT_VERSION, view: 'inspect', files: d.files, objects }, null, 2) + '\n' };
    return { ok: true, text: formatDetails(objects, dir !== undefined) };
  }
  if (json) return { ok: true, text: JSON.stringify(listDocument(req.view, d), null, 2) + '\n' };
  let text = formatView(req.view, d.views, dir);
  if (req.view === 'overview') {
    if (d.warnings.length) text += '\n' + d.warnings.map((w) => `${w}\n`).join('');
    if (d.watcher) text += '\n' + d.watcher.text;
    if (d.expectations) text += '\n' + d.expectations.text;
  }
  return { ok: true, text };
}
