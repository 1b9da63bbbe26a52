import * as z from 'zod';
import { type AppSpec, CAPACITIES } from '../../../shared/domain/app';
import { profilesFor } from '../../../shared/domain/app-access';
import type { Principal } from '../../../shared/domain/principal';
import { ResourcesView } from './common';

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

const seconds = (ms: number) => (Number.isFinite(ms) ? ms / 1000 : null);
const Choice = z.object({
  defaultSeconds: z.number().nullable(),
  minSeconds: z.number(),
  /** null: never (no idle limit) is allowed. */
  maxSeconds: z.number().nullable(),
});
const ChoicesView = z.object({ idleTimeout: Choice.optional(), maxLifetime: Choice.optional() });

const choice = (value: number, bounds: { min: number; max: number }) => ({
  defaultSeconds: seconds(value),
  minSeconds: seconds(bounds.min) ?? 0,
  maxSeconds: seconds(bounds.max),
});

/** An app's (or a profile's) idle timeout and lifetime, and what a launch may choose within. */
function limitsView(app: AppSpec) {
  const job = app.kind === 'job';
  const choices = {
    ...(app.idleTimeoutBounds && !job ? { idleTimeout: choice(app.idleTimeoutMs, app.idleTimeoutBounds) } : {}),
    ...(app.maxLifetimeBounds ? { maxLifetime: choice(app.maxLifetimeMs, app.maxLifetimeBounds) } : {}),
  };
  return {
    idleTimeoutSeconds: job ? null : seconds(app.idleTimeoutMs),
    maxLifetimeSeconds: app.maxLifetimeMs / 1000,
    ...(Object.keys(choices).length ? { choices } : {}),
  };
}

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

/** What a user needs to launch an app; never its command or env. */
export function appView(app: AppSpec, principal: Principal): AppView {
  const profiles = profilesFor(app, principal);
  return {
    name: app.name,
    title: app.title ?? app.name,
    description: app.description,
    ...(app.type ? { type: app.type } : {}),
    ...(app.kind ? { kind: app.kind } : {}),
    ...(app.userCommand ? { userCommand: app.userCommand } : {}),
    ...(app.icon ? { icon: `apps/${encodeURIComponent(app.name)}/icon` } : {}),
    ...(app.fromLabels ? { image: app.image, source: 'image-labels' } : { source: 'apps-file' }),
    resources: app.resources,
    limits: app.limits,
    params: app.params,
    // The sizes this caller may choose (a profile open to others only is not shown to them).
    ...(profiles.length
      ? {
          profiles: profiles.map((p) => ({
            name: p.name,
            title: p.title ?? p.name,
            resources: p.resources,
            ...(p.capacity ? { capacity: p.capacity } : {}),
            ...(p.limits ? limitsView({ ...app, ...p.limits }) : {}),
          })),
        }
      : {}),
    ...(app.profilesOnly ? { profilesOnly: true } : {}),
    ...limitsView(app),
    launchTimeoutSeconds: app.launchTimeoutMs / 1000,
  };
}
