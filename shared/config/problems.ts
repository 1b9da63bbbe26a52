import type * as z from 'zod';
import { ConfigError } from '../domain/errors';

/** One readable line per zod issue: `<where>.<path>: <message>`. */
export function describeIssues(error: z.ZodError, where?: string): string[] {
  return error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    // zod reports a bad record key as "Invalid key in record"; the key schema's own words say why.
    const nested =
      issue.code === 'invalid_key'
        ? issue.issues.map((i) => i.message).join('; ')
        : issue.code === 'invalid_union' && issue.message === 'Invalid input'
          ? unionWords(issue.errors)
          : '';
    const message = nested || issue.message;
    return path ? `${path}: ${message}` : message;
  });
}

/**
 * Parse options for what a process parses once (its environment, its apps file): zod's compiled fast path for objects
 * costs more to build than a single parse saves (#39: an apps file's first parse 32–48 ms with it, 21 ms without;
 * the second as fast or faster). Hot, repeated parses keep it.
 */
export const ONCE = { jitless: true } as const;

/**
 * Parses an environment with `schema`, empty values counting as unset (as shells and container
 * runtimes often pass them); every bad variable is named in one ConfigError.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  what = 'Bad environment',
): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present, ONCE);
  if (!parsed.success) throw new ConfigError(what, describeIssues(parsed.error));
  return parsed.data;
}

/**
 * A union none of whose forms took a value: the words of the form that got furthest (whose complaint is not about
 * the value's type), e.g. "not a duration" rather than zod's "Invalid input".
 */
function unionWords(branches: z.core.$ZodIssue[][]): string {
  const closest = branches.find((issues) => issues.length && issues.every((i) => i.code !== 'invalid_type'));
  return closest ? closest.map((i) => i.message).join('; ') : '';
}
