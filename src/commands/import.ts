// `netkeeper import [--out DIR] [--from kernel|docker]`: read the live host (read
// only) and write a networks.d describing it. The translation is pure
// (src/import/); here: the Docker API, the reads, the report on stderr, the files.

import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT, type Context } from './common.js';
import { nodeHostFs } from '../shell/host-fs.js';
import { readImportInput } from '../shell/import-read.js';
import { importHost } from '../import/index.js';
import { renderImport, renderStream, reportLine } from '../import/render.js';
import type { DockerFacts } from '../import/input.js';

export async function importCommand(ctx: Context): Promise<number> {
  const from = ctx.opts.from ?? 'kernel';
  let docker: DockerFacts | undefined;
  if (from === 'docker') {
    const { dockerSocket, readDocker, DockerUnavailable } = await import('../shell/docker.js');
    try {
      const socket = dockerSocket();
      docker = await readDocker(socket);
    } catch (e) {
      if (!(e instanceof DockerUnavailable)) throw e;
      ctx.err(`error: --from docker: no Docker daemon answers: ${e.message} (set DOCKER_HOST=unix:///path/to/docker.sock, or import --from kernel)\n`);
      return EXIT.failed;
    }
  }
  const out = ctx.opts.out;
  if (out !== undefined) {
    // never overwrite: an existing networks.d is the user's
    const st = await stat(out).catch(() => undefined);
    if (st && !st.isDirectory()) {
      ctx.err(`error: --out ${out} exists and is not a directory\n`);
      return EXIT.failed;
    }
  }

  const { input, problems } = await readImportInput(ctx.runner, nodeHostFs, docker);
  const result = importHost(input);
  for (const p of problems) result.report.push({ object: 'host', message: p });
  const files = renderImport(result, from === 'docker' ? 'the kernel and the Docker daemon' : 'the kernel');

  if (out !== undefined) {
    const clash = [];
    for (const f of files) if (await stat(join(out, f.name)).catch(() => undefined)) clash.push(join(out, f.name));
    if (clash.length) {
      ctx.err(`error: ${clash.join(', ')} already exist${clash.length === 1 ? 's' : ''}; import writes only new files (choose an empty --out directory)\n`);
      return EXIT.failed;
    }
    await mkdir(out, { recursive: true });
    for (const f of files) await writeFile(join(out, f.name), f.text);
  } else ctx.out(renderStream(files));

  const count = (k: string) => result.docs.filter((d) => d.kind === k).length;
  const where = out !== undefined ? `wrote ${files.map((f) => join(out, f.name)).join(', ')}` : 'printed to stdout';
  ctx.err(
    `import: ${count('Network')} networks, ${count('Container')} containers, ${count('Link')} links, ${count('Host')} hosts (${where}); ${result.report.length} ${result.report.length === 1 ? 'thing' : 'things'} not imported${result.report.length ? ':' : ''}\n`,
  );
  for (const r of result.report) ctx.err(`  not imported: ${reportLine(r)}\n`);
  return EXIT.ok;
}
