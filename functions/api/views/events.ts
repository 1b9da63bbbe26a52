import * as z from 'zod';
import { Iso } from './common';

/** One event of a session's log (a superset of JupyterHub's spawn-progress event). */
const SessionEventViewSchema = z.object({
  id: z.number().int().min(1),
  at: Iso,
  phase: z.string(),
  message: z.string(),
  progress: z.number().min(0).max(100),
  ready: z.boolean().optional(),
  failed: z.boolean().optional(),
  url: z.string().optional(),
  connectURL: z.string().optional(),
});

export const SessionEventListSchema = z.object({
  events: z.array(SessionEventViewSchema),
  /** Pass as `?after=` for what comes next. */
  next: z.number().int().min(0),
});
