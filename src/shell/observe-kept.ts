// What a watcher keeps between its passes to observe less (watch-pass.ts): the parse
// of namespace reads seen before (src/observe/ns-batch-cache.ts) and its copy of the
// files under /etc/netns (etc-netns-cache.ts). `--once`, plan and status keep nothing.

import type { NsBatchParser } from '../observe/ns-batch-cache.js';
import type { EtcNetnsFiles } from './etc-netns-cache.js';

export interface ObserveKept {
  nsBatches?: NsBatchParser;
  /** not used by the verify read after an apply (the pass's own writes may not have been reported yet) */
  etcNetns?: EtcNetnsFiles;
}
