import { pino } from 'pino';
import type { Logger } from '../ports/logger';

/** A pino logger: JSON lines on stdout, secrets redacted. */
export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, redact: ['token', 'secret', '*.token', '*.secret', 'headers.authorization'] });
}
