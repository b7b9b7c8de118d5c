// A fake clock for the scheduler: timers fire only when the test advances time.
import type { Timers } from '../../../src/shell/loop.js';

interface Entry {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeTimers implements Timers {
  private t = 0;
  private seq = 0;
  private entries: Entry[] = [];

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const e = { id: ++this.seq, at: this.t + ms, fn };
    this.entries.push(e);
    return e.id;
  }

  clearTimeout(h: unknown): void {
    this.entries = this.entries.filter((e) => e.id !== h);
  }

  /** timers still armed, as delays from now */
  pending(): number[] {
    return this.entries.map((e) => e.at - this.t).sort((a, b) => a - b);
  }

  /** Move time forward, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.entries.filter((e) => e.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.entries = this.entries.filter((e) => e !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
    await settle();
  }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
