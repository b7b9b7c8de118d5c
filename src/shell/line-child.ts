// A long-lived child that answers one line per line it is sent, in order (the netlink
// reader and writer, observe/nl-reader.ts and apply/nl-writer.ts): it first prints
// {"ready": true} (or {"error": ...}: python3 or pyroute2 missing), then one answer per
// request. Between requests it is unref'd so it never keeps Node alive; it exits when
// its stdin closes. When it dies, pending answers come back undefined and `why` says why.

import type { ChildProcessWithoutNullStreams } from 'node:child_process';

export class LineChild {
  private buf = '';
  private queue: ((line: string | undefined) => void)[] = [];
  private busy = 0;
  /** it exited or could not start */
  dead = false;
  /** it said it was ready */
  started = false;
  /** why it is not available (not ready, died) */
  why = '';
  readonly ready: Promise<boolean>;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.stdin.on('error', () => undefined);
    let readyResolve!: (ok: boolean) => void;
    this.ready = new Promise((r) => (readyResolve = r));
    let first = true;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (!first) {
          this.queue.shift()?.(line);
          continue;
        }
        first = false;
        try {
          const v = JSON.parse(line) as { ready?: boolean; error?: string };
          this.started = v.ready === true;
          if (!this.started) this.why = v.error ?? 'not ready';
        } catch {
          this.why = `unexpected first line: ${line.slice(0, 200)}`;
        }
        readyResolve(this.started);
        this.idle();
      }
    });
    const gone = (what: string) => {
      if (this.dead) return;
      this.dead = true;
      if (!this.why) this.why = `${what}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-1)[0]}` : ''}`;
      readyResolve(false);
      for (const p of this.queue.splice(0)) p(undefined);
    };
    child.on('error', (e) => gone(`cannot start: ${e.message}`));
    child.on('exit', (code, sig) => gone(`exited (${sig ?? code})`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Send one line per request; the answers in order (an answer is undefined when the
   * child died before giving it). undefined: it is not available (never started, or
   * dead before this call), so nothing was sent.
   */
  async ask(requests: readonly string[], onAnswer?: () => void): Promise<(string | undefined)[] | undefined> {
    if (!(await this.ready) || this.dead) return undefined;
    if (requests.length === 0) return [];
    this.busy++;
    this.active();
    try {
      const answers = requests.map(
        () =>
          new Promise<string | undefined>((resolve) =>
            this.queue.push((line) => {
              if (line !== undefined) onAnswer?.();
              resolve(line);
            }),
          ),
      );
      this.child.stdin.write(requests.map((r) => `${r}\n`).join(''));
      return await Promise.all(answers);
    } finally {
      this.busy--;
      this.idle();
    }
  }

  /** Nothing pending: let Node exit without waiting for the child. */
  private idle(): void {
    if (this.busy > 0) return;
    for (const h of [this.child, this.child.stdout, this.child.stderr, this.child.stdin] as unknown as { unref?: () => void }[]) h.unref?.();
  }

  private active(): void {
    for (const h of [this.child, this.child.stdout, this.child.stdin] as unknown as { ref?: () => void }[]) h.ref?.();
  }
}
