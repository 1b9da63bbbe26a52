import { pino, type DestinationStream } from 'pino';
import type { Logger } from '../ports/logger';

/** A pino logger: JSON lines on stdout, secrets redacted. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, redact: ['token', 'secret', '*.token', '*.secret', 'headers.authorization', 'headers.cookie'] };
  return destination ? pino(options, destination) : pino(options);
}
