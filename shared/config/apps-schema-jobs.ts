import * as z from 'zod';
import { DEFAULT_ARG_PATTERN, DEFAULT_MAX_ARGS } from '../domain/jobs';

const pattern = z
  .string()
  .min(1)
  .max(1000)
  .refine((p) => {
    try {
      new RegExp(p, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'not a regular expression');

/**
 * What a launch may say about its command (skaha's `cmd` and `args`): `cmd` an allow-list or a pattern of programs,
 * `args` a pattern each argument must match (default: words, paths, options and values) and how many. Absent: the
 * app's own command only.
 */
export const UserCommandInput = z
  .strictObject({
    cmd: z
      .strictObject({
        allow: z.array(z.string().min(1).max(1024)).min(1).max(100).optional(),
        pattern: pattern.optional(),
      })
      .refine((c) => c.allow || c.pattern, 'give `allow` (a list of programs) or `pattern`')
      .optional(),
    args: z
      .union([
        z.literal(true),
        z.strictObject({ pattern: pattern.optional(), maxItems: z.number().int().min(1).max(1000).optional() }),
      ])
      .transform((a) => ({
        pattern: (a === true ? undefined : a.pattern) ?? DEFAULT_ARG_PATTERN,
        maxItems: (a === true ? undefined : a.maxItems) ?? DEFAULT_MAX_ARGS,
      }))
      .optional(),
  })
  .refine((u) => u.cmd || u.args, 'give `cmd`, `args` or both');

/** `session` (the default): an interactive app, reaped when idle. `job`: runs its command to the end. */
export const KindInput = z.enum(['session', 'job']);
