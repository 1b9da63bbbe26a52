import type * as z from 'zod';
import type { AppSpec } from '../domain/app';
import { imageAllowed, type LabelledImage } from '../domain/images';
import { type AppDefaults, parseAppEntry } from './apps';
import { APP_NAME, type AppInputSchema } from './apps-schema';

/**
 * Our labels: `org.sessionplane.<key>`, a key of the apps file; JSON values where the key takes a number, list or
 * object.
 */
const SESSIONPLANE_LABEL = 'org.sessionplane.';
/** SimPhoNy-Remote's (simphony-remote's docker labels). */
const SIMPHONY_LABEL = 'eu.simphony-project.docker.';

type AppKey = keyof z.input<typeof AppInputSchema>;

/** The apps-file keys an image may set about itself with `org.sessionplane.<key>` (and `name`, its app's name). */
const FROM_LABELS = [
  'title',
  'description',
  'icon',
  'type',
  'skahaType',
  'access',
  'profiles',
  'profilesOnly',
  'cmd',
  'port',
  'ready',
  'ready_line',
  'liveness',
  'launcherReuse',
  'resources',
  'limits',
  'capacity',
  'idleTimeout',
  'warnBefore',
  'busyCpu',
  'maxLifetime',
  'launchTimeout',
  'env',
  'params',
  'stripPrefix',
  'frameAncestors',
  'bar',
  'readOnlyRootFilesystem',
  'home',
  'pool',
  'kind',
] as const satisfies readonly AppKey[];

/**
 * The apps-file keys no label may set, each with why. Every key of the schema is in one list or the
 * other: a new key fails to compile until it is placed.
 */
export const NOT_FROM_LABELS: Record<Exclude<AppKey, (typeof FROM_LABELS)[number]>, string> = {
  image: 'the image is the one the labels are on',
  build: 'a folder on the server, not in the image',
  cwd: 'a folder on the server: a local process app only',
  customImage: "whether users may run their own images is the server's to say",
  skahaImage: "an image's skaha id is the image itself",
  app: "trame's Python module for a process app; an image names its command with cmd",
  args: "trame's extra arguments to its default command; an image names its whole command with cmd",
  www_modules: "trame's web client modules, served by the trame image's launcher, not by Sessionplane",
  client_type: "trame's web client type, served by the trame image's launcher, not by Sessionplane",
  client: "the server's web client is a folder on the server, not in the image",
  open: "whether anyone may launch it without an account is the server's to say",
  userCommand: "which programs and arguments users may run in it is the server's to say",
  priority: "whose launches go first in the queue is the server's to say",
  secrets: "which secrets an app is given is the server's to say",
  volumes: "which groups' data a session mounts is the server's to say",
};

const LABEL_KEYS = new Set<string>(['name', ...FROM_LABELS]);

/**
 * A label's value: JSON where it parses (8080, true, {"cpu": 1}, ["node", "app.mjs"]), the text
 * otherwise (180s, 512Mi). Text that looks like JSON but is not (single quotes, which a LABEL line
 * keeps) is a problem, not a string.
 */
function labelValue(key: string, text: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(text) };
  } catch {
    if (/^\s*['[{]/.test(text))
      return {
        problem: `${key}: not valid JSON (in a LABEL line, write it in double quotes with its own quotes escaped)`,
      };
    return { value: text };
  }
}

/** SimPhoNy's `env.x11-width` → X11_WIDTH. */
const simphonyEnvName = (name: string) => name.toUpperCase().replaceAll('-', '_');

/**
 * The default app name of an image: its repository's last path component (`localhost/viz/paraview:5.12` → `paraview`).
 */
function repositoryName(image: string): string {
  const path = image.split('@')[0]!;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.includes(':') ? last.slice(0, last.indexOf(':')) : last;
}

/**
 * The apps-file entry an image's labels describe, or undefined when the image has none of ours
 * or SimPhoNy's (an image is an app only when it says so).
 */
export function appEntryFromLabels(
  image: string,
  labels: Readonly<Record<string, string>>,
): { name: string; entry: Record<string, unknown>; problems: string[] } | undefined {
  const entry: Record<string, unknown> = {};
  const params: Record<string, unknown> = {};
  const problems: string[] = [];
  let described = false;
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith(SESSIONPLANE_LABEL)) {
      const field = key.slice(SESSIONPLANE_LABEL.length);
      if (!LABEL_KEYS.has(field)) continue;
      described = true;
      const parsed = labelValue(key, value);
      if ('problem' in parsed) problems.push(parsed.problem);
      else if (field === 'params' && parsed.value && typeof parsed.value === 'object')
        Object.assign(params, parsed.value);
      else entry[field] = parsed.value;
    } else if (key.startsWith(SIMPHONY_LABEL)) {
      const field = key.slice(SIMPHONY_LABEL.length);
      described = true;
      if (field === 'ui_name') entry.title ??= value;
      else if (field === 'description') entry.description ??= value;
      else if (field === 'icon_128' && value) entry.icon ??= `data:image/png;base64,${value}`;
      else if (field === 'type') entry.type ??= value;
      else if (field.startsWith('env.'))
        params[simphonyEnvName(field.slice(4))] = { type: 'string', ...(value ? { description: value } : {}) };
    }
  }
  if (!described) return undefined;
  const name = typeof entry.name === 'string' ? entry.name : repositoryName(image);
  delete entry.name;
  delete entry.params;
  if (Object.keys(params).length) entry.params = params;
  return { name, entry: { ...entry, image }, problems };
}

/**
 * The apps a set of labelled images describe: only images from allowed repositories, each
 * validated as an apps-file entry would be (problems returned, the image left out), the newest
 * image of a name winning.
 */
export function appsFromImages(
  images: readonly LabelledImage[],
  allowedPrefixes: readonly string[],
  defaults?: AppDefaults,
): { apps: Map<string, AppSpec>; problems: string[] } {
  const apps = new Map<string, AppSpec>();
  const problems: string[] = [];
  const newestFirst = [...images].sort((a, b) => (b.created ?? 0) - (a.created ?? 0));
  for (const { image, labels } of newestFirst) {
    if (!imageAllowed(image, allowedPrefixes)) continue;
    const described = appEntryFromLabels(image, labels);
    if (!described || apps.has(described.name)) continue;
    if (described.problems.length) {
      problems.push(...described.problems.map((p) => `image ${image}: ${p}`));
      continue;
    }
    if (!APP_NAME.test(described.name)) {
      problems.push(
        `image ${image}: app name ${JSON.stringify(described.name.slice(0, 80))}: letters, digits, "_", "." and "-", at most 64`,
      );
      continue;
    }
    const { app, problems: found } = parseAppEntry(described.name, described.entry, '/', defaults);
    if (app) {
      const { cwd: _none, ...spec } = app;
      apps.set(described.name, { ...spec, fromLabels: true });
    }
    problems.push(...found.map((p) => `image ${image}: ${p}`));
  }
  return { apps, problems };
}
