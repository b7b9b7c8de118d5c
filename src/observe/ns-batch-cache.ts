// Parsed namespace reads, kept between a watcher's passes by the exact text read
// (pure: no fs, no clock). A watcher pass reuses most namespaces' reads (no kernel
// event named them, see src/shell/read-scope.ts); parsing those same texts again on
// every pass was most of what assembling 1000 namespaces cost. Only the parse is
// kept, keyed by the whole text: a namespace whose read changed in any byte is
// parsed again, so nothing is trusted that was not read. The parsed documents are
// shared between passes and must not be changed by whoever reads them (assembleObserved
// does not; a unit test checks it on frozen documents).

import { parseNsBatch, type NsBatch } from './observed.js';

export interface NsBatchParser {
  /** the parsed NS_BATCH output `text` of namespace `what` (parseNsBatch) */
  parse(text: string, what: string): NsBatch;
  /** the parsed HOST_BATCH output `text` of the host (parseNsBatch(text, true)) */
  parseHost?(text: string): NsBatch;
}

export class NsBatchCache implements NsBatchParser {
  /** parsed since the last settle() */
  private current = new Map<string, NsBatch>();
  /** parsed in the generation before */
  private previous = new Map<string, NsBatch>();
  hits = 0;
  misses = 0;

  parse(text: string, what: string): NsBatch {
    let b = this.current.get(text) ?? this.previous.get(text);
    if (b) this.hits++;
    else {
      b = parseNsBatch(text, false, what);
      this.misses++;
    }
    this.current.set(text, b);
    return b;
  }

  /** the host's last read and its parse (one host: one entry) */
  private host: { text: string; batch: NsBatch } | undefined;

  parseHost(text: string): NsBatch {
    if (this.host?.text === text) {
      this.hits++;
      return this.host.batch;
    }
    this.misses++;
    this.host = { text, batch: parseNsBatch(text, true, 'host ip -batch') };
    return this.host.batch;
  }

  /** A new pass begins: what the last two passes did not parse or reuse is dropped. */
  settle(): void {
    this.previous = this.current;
    this.current = new Map();
    this.hits = this.misses = 0;
  }

  /** Parsed texts kept. */
  get size(): number {
    return new Set([...this.previous.keys(), ...this.current.keys()]).size;
  }
}
