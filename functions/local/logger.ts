import { pino } from 'pino';
import type { Logger } from '../../shared/ports/logger';

/** The local server's logger: JSON lines on stdout, the same events the Lambdas log. */
export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, redact: ['token', 'secret', '*.token', '*.secret', 'headers.authorization'] });
}
