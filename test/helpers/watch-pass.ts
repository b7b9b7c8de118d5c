// What most unit tests of the watcher's pass (src/shell/watch-pass.ts) give WatchPass
// alike: a directory, a silent log, a runner that runs nothing. Each test adds its own
// loadConfig/runPass (and overrides any of these).

import { pino } from 'pino';

export const WATCH_DEPS = {
  dir: 'networks.d',
  allowEmpty: false,
  lockTimeoutMs: 1000,
  log: pino({ level: 'silent' }),
  runner: { run: async () => ({ stdout: '', stderr: '', exitCode: 0 }) },
};
