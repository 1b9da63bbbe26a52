import type { Context } from 'hono';
import type { z } from 'zod';
import { describeIssues } from '../../shared/config/problems';
import { ValidationError } from '../../shared/domain/errors';

/** Parses `value` with `schema`, or throws a ValidationError naming each bad field. */
export function check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error);
  throw new ValidationError(`Invalid ${what}: ${problems.join('; ')}`, { problems });
}

/** Reads a JSON body whatever its Content-Type (curl -d sends a form type), then checks it. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('The request body is not valid JSON.', { problems: ['body: not valid JSON'] });
  }
  return check(schema, value, 'request body');
}
