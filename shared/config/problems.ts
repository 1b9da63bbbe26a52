import type { z } from 'zod';

/** One readable line per zod issue: `<where>.<path>: <message>`. */
export function describeIssues(error: z.ZodError, where?: string): string[] {
  return error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    // zod reports a bad record key as "Invalid key in record"; the key schema's own words say why.
    const nested = issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join('; ') : '';
    const message = nested || issue.message;
    return path ? `${path}: ${message}` : message;
  });
}
