// The packet evaluator: explain(query, world) over the observed kernel, its text
// and JSON forms, and the world builder. Pure; the reads are in
// src/shell/explain-reads.ts, the command in src/commands/explain.ts.

export { explain } from './explain.js';
export { formatExplanation, explanationJson, EXPLAIN_FORMAT_VERSION } from './format.js';
export { parseQuery } from './query.js';
export { buildWorld, type ExplainReads } from './world.js';
export type { Explanation, Hop, Query, Verdict, World, Endpoint, Attributor, Declared } from './types.js';
export { attributor } from './attribute.js';
export { exposure, publishedPorts, type Exposure, type ExposureRow } from './exposure.js';
export { formatExposure, exposureJson } from './exposure-format.js';
