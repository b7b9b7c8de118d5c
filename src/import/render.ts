// Imported documents → YAML text: one file per kind (networks.yaml, containers.yaml,
// links.yaml, hosts.yaml), each document preceded by comments saying where it came
// from and what was guessed, each file headed by the report items of its kind.
// Without --out, the files are printed as one YAML stream with a `# file: NAME`
// comment before each (itself a valid networks.d of one file). Pure.

import { Document, isMap, isScalar, isSeq, visit } from 'yaml';
import type { ImportedDoc, ImportResult, ReportItem } from './input.js';

export const FILE_OF: Record<ImportedDoc['kind'], string> = {
  Network: 'networks.yaml',
  Container: 'containers.yaml',
  Link: 'links.yaml',
  Host: 'hosts.yaml',
};

export interface RenderedFile {
  name: string;
  text: string;
}

const comment = (lines: string[]) => lines.map((l) => ` ${l}`).join('\n');

/** One report item as a line (stderr and the file comments use the same words). */
export function reportLine(r: ReportItem): string {
  return `${r.object}: ${r.message}`;
}

function renderDoc(d: ImportedDoc, before: string[]): string {
  const doc = new Document(d.body);
  // small maps of scalars (netns, attachments, routes, endpoints, subnets) on one line
  visit(doc, {
    Map(_, node, path) {
      if (path.length <= 1) return;
      if (node.items.every((p) => isScalar(p.value) || (isSeq(p.value) && p.value.items.every(isScalar)))) node.flow = true;
    },
  });
  if (isMap(doc.contents) && before.length) doc.commentBefore = comment(before);
  return doc.toString({ lineWidth: 0 });
}

export function renderImport(result: ImportResult, source: string): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const kind of ['Network', 'Container', 'Link', 'Host'] as const) {
    const docs = result.docs.filter((d) => d.kind === kind);
    const items = result.report.filter((r) => (r.kind ?? 'Network') === kind);
    if (docs.length === 0 && items.length === 0) continue;
    const header = [
      `${kind} documents imported by \`netkeeper import\` from ${source}.`,
      'Comments say where each value came from and what was guessed: check them.',
    ];
    if (items.length) header.push('', 'Not imported (seen on the host, not expressed here):', ...items.map((r) => `- ${reportLine(r)}`));
    const parts = docs.map((d, i) => {
      const own = result.report.filter((r) => r.object === `${d.kind} ${d.name}`).map((r) => `not imported: ${r.message}`);
      const rest = [...d.notes, ...own];
      return renderDoc(d, [...(i === 0 ? [...header, ...(rest.length ? [''] : [])] : []), ...rest]);
    });
    const text = parts.length ? parts.join('---\n') : header.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';
    files.push({ name: FILE_OF[kind], text });
  }
  return files;
}

/** All files as one YAML stream (stdout). */
export function renderStream(files: RenderedFile[]): string {
  return files.map((f, i) => `${i ? '---\n' : ''}# file: ${f.name}\n${f.text}`).join('');
}
