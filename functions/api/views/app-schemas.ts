import * as z from 'zod';
import { CAPACITIES } from '../../../shared/domain/app';
import { ResourcesView } from './common';

/*
 * GET /apps' reply schema: the OpenAPI document and the tests read it; the functions that answer import only its type,
 * so no function builds it at its cold start (#39).
 */

/** One parameter a launch may set, with the rules it is checked by. */
const ParamViewSchema = z.object({
  type: z.enum(['string', 'integer', 'number', 'boolean']),
  pattern: z.string().optional(),
  enum: z.array(z.string()).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  maxLength: z.number().int(),
  default: z.string().optional(),
  required: z.boolean(),
  description: z.string().optional(),
});

const Choice = z.object({
  defaultSeconds: z.number().nullable(),
  minSeconds: z.number(),
  /** null: never (no idle limit) is allowed. */
  maxSeconds: z.number().nullable(),
});
const ChoicesView = z.object({ idleTimeout: Choice.optional(), maxLifetime: Choice.optional() });

const AppViewSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string().optional(),
  type: z.string().optional(),
  /** `job`: runs to its end (no web page), COMPLETED or FAILED with its exit code; absent: an interactive app. */
  kind: z.literal('job').optional(),
  /** What a launch may add to its command: `cmd` (the programs it may run instead), `args` (their rule). */
  userCommand: z
    .object({
      cmd: z.object({ allow: z.array(z.string()).optional(), pattern: z.string().optional() }).optional(),
      args: z.object({ pattern: z.string(), maxItems: z.number().int() }).optional(),
    })
    .optional(),
  /** Relative to the API's base: GET it with the same credential. */
  icon: z.string().optional(),
  /** Where the app is described: the apps file, or its image's labels (then `image` says which). */
  source: z.enum(['apps-file', 'image-labels']),
  image: z.string().optional(),
  resources: ResourcesView,
  limits: ResourcesView,
  /** What a user may set at launch (`params`), each with its rules: the apps file's `params`. */
  params: z.record(z.string(), ParamViewSchema),
  /** The named sizes the caller may choose (`profile` at launch). */
  profiles: z
    .array(
      z.object({
        name: z.string(),
        title: z.string(),
        resources: ResourcesView,
        capacity: z.enum(CAPACITIES).optional(),
        /** Where the profile has limits of its own. */
        idleTimeoutSeconds: z.number().nullable().optional(),
        maxLifetimeSeconds: z.number().optional(),
        choices: ChoicesView.optional(),
      }),
    )
    .optional(),
  /** A launch takes a profile or the default size, not raw resources. */
  profilesOnly: z.boolean().optional(),
  /** null: no idle limit (`idleTimeout: never`, and every job). */
  idleTimeoutSeconds: z.number().nullable(),
  maxLifetimeSeconds: z.number(),
  /** What a launch (or a PATCH) may choose for itself, and within what. */
  choices: ChoicesView.optional(),
  launchTimeoutSeconds: z.number(),
});
export const AppListSchema = z.object({ apps: z.array(AppViewSchema) });

/** An app as GET /apps shows it (the portal's catalog renders it). */
export type AppView = z.infer<typeof AppViewSchema>;
