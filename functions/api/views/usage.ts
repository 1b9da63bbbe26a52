import * as z from 'zod';
import { Iso } from './common';

const UsageTotalsSchema = z.object({
  sessions: z.number().int(),
  seconds: z.number(),
  vcpuHours: z.number(),
  gbHours: z.number(),
  gpuHours: z.number(),
  cost: z.number(),
});
/** GET /usage as JSON. */
export const UsageReplySchema = z.object({
  from: Iso,
  to: Iso,
  user: z.string().optional(),
  groupBy: z.enum(['user', 'app']),
  period: z.enum(['day', 'month']),
  rows: z.array(UsageTotalsSchema.extend({ period: z.string(), by: z.enum(['user', 'app']), name: z.string() })),
  totals: UsageTotalsSchema,
  prices: z.object({
    table: z.record(z.string(), z.object({ vcpuHour: z.number(), gbHour: z.number(), gpuHour: z.number() })),
    source: z.string(),
    currency: z.literal('USD'),
  }),
});

export type UsageReply = z.infer<typeof UsageReplySchema>;
