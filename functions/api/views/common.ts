import * as z from 'zod';

/** An ISO 8601 time in UTC, as every reply writes times. */
export const Iso = z.iso.datetime();
export const ResourcesView = z.object({ cpu: z.number(), memory: z.number().int(), gpus: z.number().int() });

/** Epoch milliseconds as an ISO time; undefined stays undefined. */
export const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
