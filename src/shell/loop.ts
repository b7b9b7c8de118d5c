// The watcher's scheduling decisions: when to run a pass, never two at once.
// No fs, no process, no real clock: timers come in as a parameter, so tests
// drive it with a fake clock.
//
// - file changes are debounced (a burst of events → one pass), with a cap so a
//   directory that never stops changing still gets a pass every `maxWaitMs`;
// - one pass at a time: whatever is requested during a pass is coalesced into
//   exactly one more pass after it;
// - a fleet store change (another host's membership): a pass at once, no debounce;
// - kernel events (something changed inside an owned namespace or on the host)
//   get a pass after a short quiet time of their own (`eventDebounceMs`, capped at
//   `eventMaxWaitMs`): healing drift must not wait for the file debounce;
// - a resync pass `intervalMs` after the end of every pass;
// - a pass that failed in a way retrying can fix is retried with backoff
//   (initial, doubling, capped); one that needs a file change is not retried;
// - stop() cancels every timer and resolves when the running pass (if any) ends.

export type Trigger = 'start' | 'change' | 'signal' | 'retry' | 'store' | 'event' | 'resync';

/** How a pass ended, as far as scheduling cares. */
export type Verdict =
  /** in sync (or applied and verified) */
  | 'ok'
  /** commands failed or the kernel is not in sync afterwards: retry with backoff */
  | 'retry'
  /** the files are bad or an unowned object is in the way: wait for a file change */
  | 'wait';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

export interface LoopOptions {
  timers: Timers;
  /** quiet time after the last file event before a pass (default 300) */
  debounceMs?: number;
  /** longest a burst of file events may hold a pass back (default 2000) */
  maxWaitMs?: number;
  /** quiet time after the last kernel event before a pass (default 50) */
  eventDebounceMs?: number;
  /** longest a burst of kernel events may hold a pass back (default 250) */
  eventMaxWaitMs?: number;
  /** resync pass this long after the end of each pass */
  intervalMs: number;
  /** first retry delay (default 1000), doubled after each failed retry */
  backoffInitialMs?: number;
  /** retry delay cap (default 60000) */
  backoffMaxMs?: number;
  /**
   * Run one pass. `triggers` holds every reason coalesced into it; `trigger` is
   * the most significant one. A throw counts as 'retry'.
   */
  pass: (trigger: Trigger, triggers: ReadonlySet<Trigger>) => Promise<Verdict>;
  /** told about a pass that threw */
  onError?: (e: unknown) => void;
  /** told about every scheduling decision (debug logs, tests) */
  onSchedule?: (what: 'resync' | 'retry', inMs: number) => void;
}

const PRIORITY: Trigger[] = ['change', 'signal', 'start', 'retry', 'store', 'event', 'resync'];

export class Loop {
  private readonly t: Timers;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private pending = new Set<Trigger>();
  private current: Promise<void> | undefined;
  private stopped = false;
  private debounceTimer: unknown;
  private burstStartedAt: number | undefined;
  private eventTimer: unknown;
  private eventBurstStartedAt: number | undefined;
  private resyncTimer: unknown;
  private retryTimer: unknown;
  private backoffMs: number;
  /** passes finished so far */
  passes = 0;

  constructor(private readonly opts: LoopOptions) {
    this.t = opts.timers;
    this.debounceMs = opts.debounceMs ?? 300;
    this.maxWaitMs = opts.maxWaitMs ?? 2000;
    this.backoffInitialMs = opts.backoffInitialMs ?? 1000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 60_000;
    this.backoffMs = this.backoffInitialMs;
  }

  /** Run the first pass now. */
  start(): void {
    this.request('start');
  }

  /** A file under the directory changed: a pass after the debounce. */
  fileChanged(): void {
    if (this.stopped) return;
    const now = this.t.now();
    this.burstStartedAt ??= now;
    if (this.debounceTimer !== undefined) this.t.clearTimeout(this.debounceTimer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.burstStartedAt + this.maxWaitMs - now));
    this.debounceTimer = this.t.setTimeout(() => {
      this.debounceTimer = undefined;
      this.burstStartedAt = undefined;
      this.request('change');
    }, wait);
  }

  /** The kernel changed (an event of an owned namespace or the host): a pass after the event debounce. */
  kernelChanged(): void {
    if (this.stopped) return;
    const now = this.t.now();
    this.eventBurstStartedAt ??= now;
    if (this.eventTimer !== undefined) this.t.clearTimeout(this.eventTimer);
    const debounce = this.opts.eventDebounceMs ?? 50;
    const maxWait = this.opts.eventMaxWaitMs ?? 250;
    const wait = Math.max(0, Math.min(debounce, this.eventBurstStartedAt + maxWait - now));
    this.eventTimer = this.t.setTimeout(() => {
      this.eventTimer = undefined;
      this.eventBurstStartedAt = undefined;
      this.request('event');
    }, wait);
  }

  /** Run a pass as soon as none is running (SIGHUP). */
  runNow(trigger: Trigger = 'signal'): void {
    this.request(trigger);
  }

  /** Whether a pass is running now. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** The delay the next retry would wait (tests, logs). */
  get nextBackoffMs(): number {
    return this.backoffMs;
  }

  /** Stop scheduling; resolves once the running pass (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    for (const h of [this.debounceTimer, this.eventTimer, this.resyncTimer, this.retryTimer]) if (h !== undefined) this.t.clearTimeout(h);
    this.debounceTimer = this.eventTimer = this.resyncTimer = this.retryTimer = undefined;
    while (this.current) await this.current;
  }

  private request(trigger: Trigger): void {
    if (this.stopped) return;
    this.pending.add(trigger);
    if (!this.current) this.kick();
  }

  private kick(): void {
    const triggers = this.pending;
    this.pending = new Set();
    // a pass is a full resync: whatever timer was waiting is superseded by it
    for (const h of [this.resyncTimer, this.retryTimer]) if (h !== undefined) this.t.clearTimeout(h);
    this.resyncTimer = this.retryTimer = undefined;
    const trigger = PRIORITY.find((p) => triggers.has(p))!;
    this.current = this.runOne(trigger, triggers).finally(() => {
      this.current = undefined;
      this.passes++;
      if (!this.stopped && this.pending.size) this.kick();
    });
  }

  private async runOne(trigger: Trigger, triggers: ReadonlySet<Trigger>): Promise<void> {
    let verdict: Verdict;
    try {
      verdict = await this.opts.pass(trigger, triggers);
    } catch (e) {
      this.opts.onError?.(e);
      verdict = 'retry';
    }
    if (this.stopped) return;
    if (verdict === 'retry') {
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.backoffMaxMs);
      this.retryTimer = this.t.setTimeout(() => {
        this.retryTimer = undefined;
        this.request('retry');
      }, delay);
      this.opts.onSchedule?.('retry', delay);
    } else {
      this.backoffMs = this.backoffInitialMs;
    }
    this.resyncTimer = this.t.setTimeout(() => {
      this.resyncTimer = undefined;
      this.request('resync');
    }, this.opts.intervalMs);
    this.opts.onSchedule?.('resync', this.opts.intervalMs);
  }
}
