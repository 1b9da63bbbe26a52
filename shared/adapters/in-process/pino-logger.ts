import { pino, type DestinationStream } from 'pino';
import type { Logger } from '../../ports/logger';

/** A pino logger: JSON lines on stdout, secrets redacted. */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  options: { pretty?: boolean } = {},
): Logger {
  const base = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['token', 'secret', '*.token', '*.secret', 'headers.authorization', 'headers.cookie'],
  };
  if (destination) return pino(base, destination);
  // A person at a terminal reads lines; anything else (CI, a log shipper) gets JSON.
  if (options.pretty)
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  return pino(base);
}
