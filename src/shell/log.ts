// pino on stderr: JSON, or pretty lines when stderr is a terminal.
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info'): Logger {
  if (process.stderr.isTTY) {
    // loaded only for a terminal: cron and systemd runs do not pay for it
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino({ level }, pretty({ destination: 2, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}
