// Observed as a readable JSON file: the host facts, then one resource per line
// (sorted by key), with a chain's rules one per line. parseObservedJson reads it back.

import type { HostFacts, Observed } from '../../../src/model/plan.js';
import { toMap, type Resource } from '../../../src/model/resources.js';

function resourceJson(r: Resource): string {
  if (r.kind !== 'chain' || r.rules.length === 0) return JSON.stringify(r);
  const { rules, ...rest } = r;
  const head = JSON.stringify(rest).slice(0, -1);
  return `${head},"rules":[\n${rules.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]}`;
}

export function observedToJson(o: Observed): string {
  const resources = [...o.resources.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return `{\n "facts": ${JSON.stringify(o.facts, null, 1).replace(/\n/g, '\n ')},\n "resources": [\n  ${resources.map(resourceJson).join(',\n  ')}\n ]\n}\n`;
}

export function observedFromJson(text: string): Observed {
  const j = JSON.parse(text) as { facts: HostFacts; resources: Resource[] };
  return { facts: j.facts, resources: toMap(j.resources) };
}
