import type { z } from 'zod';

/** One readable line per zod issue: `<where>.<path>: <message>`. */
export function describeIssues(error: z.ZodError, where?: string): string[] {
  return error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
