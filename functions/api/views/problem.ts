import * as z from 'zod';

/**
 * RFC 9457, with Sessionplane's stable `code`. Other extension members (RFC 9457 §3.2) carry an
 * error's facts, e.g. `retryAfterSeconds`, `limit`, `app`.
 */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    /** A 400's list of what is wrong, one line per field (`body.name: …`). */
    problems: z.array(z.string()).optional(),
  })
  .loose();
