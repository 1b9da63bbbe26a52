import * as z from 'zod';

/** An ISO 8601 time in UTC, as every reply writes times. */
export const Iso = z.iso.datetime();
export const ResourcesView = z.object({ cpu: z.number(), memory: z.number().int(), gpus: z.number().int() });

/** Epoch milliseconds as an ISO time; undefined stays undefined. */
export const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A stored log line's text, without the time it was stored with (`<ISO time> <text>`). */
export const logText = (line: string) => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, '');
