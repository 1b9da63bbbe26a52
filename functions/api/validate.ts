import type { Context } from 'hono';
import type * as z from 'zod';
import { describeIssues } from '../../shared/config/problems';
import { ValidationError } from '../../shared/domain/errors';

/** Parses `value` with `schema`, or throws a ValidationError naming each bad field. */
export function check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error);
  throw new ValidationError(`Invalid ${what}: ${problems.join('; ')}`, { problems });
}

/** Keys that mean something to JavaScript objects: refused anywhere in a body, never dropped. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses JSON text strictly: no byte-order mark (RFC 8259 §8.1 forbids sending one) and no
 * `__proto__`/`constructor`/`prototype` key at any depth (#11 m3).
 */
export function parseJson(text: string, where = 'body'): unknown {
  if (text.charCodeAt(0) === 0xfeff)
    throw new ValidationError('The request body starts with a byte-order mark; send plain UTF-8 JSON.', {
      problems: [`${where}: starts with a byte-order mark`],
      reason: 'bom',
    });
  let reserved: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, item: unknown) => {
      if (RESERVED_KEYS.has(key)) reserved ??= key;
      return item;
    });
  } catch {
    throw new ValidationError('The request body is not valid JSON.', {
      problems: [`${where}: not valid JSON`],
      reason: 'not-json',
    });
  }
  if (reserved !== undefined)
    throw new ValidationError(`The request body uses the reserved key ${JSON.stringify(reserved)}.`, {
      problems: [`${where}: reserved key ${JSON.stringify(reserved)}`],
      reason: 'reserved-key',
    });
  return value;
}

/**
 * The body as text, from its bytes: a decoder would drop a byte-order mark silently, so it is kept
 * for parseJson to refuse; bytes that are not UTF-8 are refused here.
 */
export async function bodyText(c: Context): Promise<string> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ValidationError('The request body is not UTF-8.', { problems: ['body: not UTF-8'], reason: 'not-json' });
  }
}

/** Reads a JSON body whatever its Content-Type (curl -d sends a form type), then checks it. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return check(schema, parseJson(await bodyText(c)), 'request body');
}
