// Many namespaces, few Node processes: one `sh` per worker runs `nsenter --net=PATH
// ip … -batch -` for each of its namespaces in turn, each batch fed by a here-document.
// Starting a process from Node costs several times what it costs from a
// shell loop, so with hundreds of namespaces this is the difference between reading
// them in about the time of a hand-written loop and twice that.

import type { Runner } from './runner.js';

export interface NsBatch {
  /** nsenter --net= path */
  path: string;
  /** the batch text (lines, newline-terminated) */
  input: string;
  /** `ip` arguments before `-batch -`, e.g. ['-j', '-d', '-N', '-force'] */
  flags: string[];
  /** `ip` (default) or `bridge` */
  tool?: 'ip' | 'bridge';
}

export interface NsBatchResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const MARK = '@@nk-batch';

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The shell script of one worker. Exported for tests. */
export function workerScript(items: NsBatch[], delimiter: string): string {
  const lines: string[] = [];
  items.forEach((b, i) => {
    if (b.input.split('\n').includes(delimiter)) throw new Error('batch input contains the here-document delimiter');
    lines.push(`echo '${MARK} ${i}'; echo '${MARK} ${i}' >&2`);
    lines.push(`nsenter --net=${quote(b.path)} ${b.tool ?? 'ip'} ${b.flags.map(quote).join(' ')} -batch - <<'${delimiter}'`);
    lines.push(b.input.replace(/\n$/, ''), delimiter);
    lines.push(`rc=$?; echo '${MARK}-rc ${i}' $rc`);
  });
  return lines.join('\n') + '\n';
}

function split(out: string, n: number): string[] {
  const parts = new Array<string>(n).fill('');
  let cur = -1;
  const lines = out.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const m = line.startsWith(MARK) ? /^@@nk-batch (\d+)$/.exec(line) : null;
    if (m) {
      cur = Number(m[1]);
      continue;
    }
    if (line.startsWith(`${MARK}-rc `)) continue;
    if (cur >= 0) parts[cur] += line + '\n';
  }
  return parts;
}

function exitCodes(out: string, n: number): number[] {
  const codes = new Array<number>(n).fill(-1);
  for (const m of out.matchAll(/^@@nk-batch-rc (\d+) (\d+)$/gm)) codes[Number(m[1])] = Number(m[2]);
  return codes;
}

/** Run every batch; results in the order given. A worker that dies leaves exit code -1 on what it did not reach. */
export async function runNsBatches(runner: Runner, items: NsBatch[], workers = 2): Promise<NsBatchResult[]> {
  const results = new Array<NsBatchResult>(items.length);
  if (items.length === 0) return results;
  const k = Math.max(1, Math.min(workers, items.length));
  const chunks: number[][] = Array.from({ length: k }, () => []);
  items.forEach((_, i) => chunks[i % k].push(i));
  const delimiter = `NK_EOF_${Date.now().toString(36)}`;
  await Promise.all(
    chunks.map(async (idx) => {
      const mine = idx.map((i) => items[i]);
      const r = await runner.run('sh', ['-s'], { input: workerScript(mine, delimiter), allowFail: true });
      const outs = split(r.stdout, mine.length);
      const errs = split(r.stderr, mine.length);
      const codes = exitCodes(r.stdout, mine.length);
      idx.forEach((i, j) => {
        results[i] = { stdout: outs[j], stderr: errs[j].trim(), exitCode: codes[j] };
      });
    }),
  );
  return results;
}
