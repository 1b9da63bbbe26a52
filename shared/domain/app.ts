import type { VolumeSpec } from './volumes';
import type { UserCommandRules } from './jobs';
import type { Resources } from './session';

/** When a started instance is READY: a line in its output, its port accepting, an HTTP answer, or once started (jobs). */
export type Readiness =
  | { kind: 'line'; line: string }
  | { kind: 'tcp' }
  | { kind: 'http'; path: string }
  | { kind: 'started' };

export interface ParamSpec {
  type: 'string' | 'integer' | 'number' | 'boolean';
  pattern?: string;
  enum?: string[];
  min?: number;
  max?: number;
  maxLength: number;
  default?: string;
  required: boolean;
  description?: string;
  /** `default`: a value outside the rules is replaced by the default (wslink's `sanitize`), not refused. */
  onInvalid?: 'default';
}

/** A time window (UTC, every day) in which a pool keeps a different number of instances ready. */
interface PoolWindow {
  /** Minutes after 00:00 UTC the window opens at, and closes at (may wrap past midnight). */
  from: number;
  to: number;
  min: number;
}

/** An app's warm pool: `min` instances kept ready with no owner, at most `max`, each replaced after `ttlMs`. */
export interface PoolSpec {
  min: number;
  max: number;
  ttlMs: number;
  /** Windows with their own `min` (the first that holds wins); `min` outside them. */
  schedule: PoolWindow[];
}

/** Who may launch an app or choose a profile: named users, members of named groups (admins always). */
export interface Access {
  users: string[];
  groups: string[];
}

/** Where a CPU app's sessions run on ECS: Fargate, or Fargate Spot (GPU apps run on the EC2 capacity). The one list. */
export const CAPACITIES = ['FARGATE', 'FARGATE_SPOT'] as const;
type Capacity = (typeof CAPACITIES)[number];

/**
 * A named size of an app (JupyterHub's profile_list, a form's choices): its resources and capacity, and who may choose
 * it.
 */
export interface Profile {
  name: string;
  title?: string;
  resources: Resources;
  capacity?: Capacity;
  access?: Access;
  /** Its own idle timeout and lifetime (and their bounds), instead of its app's. */
  limits?: ProfileLimits;
}

export type ProfileLimits = Partial<
  Pick<AppSpec, 'idleTimeoutMs' | 'idleTimeoutBounds' | 'maxLifetimeMs' | 'maxLifetimeBounds'>
>;

/** skaha's session types (SessionType.java), in the order skaha lists them. */
export const SKAHA_TYPES = [
  'notebook',
  'desktop',
  'carta',
  'contributed',
  'firefly',
  'headless',
  'desktop-app',
] as const;
export type SkahaType = (typeof SKAHA_TYPES)[number];

/**
 * How a READY app is watched for being dead (#35). `tcp` (the default): dead when its port stops
 * accepting connections (the process is gone, or closed its listener); a process whose event loop is
 * blocked (a long ParaView call) still accepts in the kernel and is busy, not dead. `http`: dead when
 * it answers no HTTP request (its ready path, or `/` with any status) within the probe's time, which
 * also stops a hung process. `off`: never probed (its exit is still noticed at once).
 */
interface Liveness {
  probe: 'tcp' | 'http' | 'off';
  /** Between probes; default the server's (SESSIONPLANE_LIVENESS_INTERVAL). */
  intervalMs?: number;
  /** Misses in a row that make it dead; default 3. */
  failures?: number;
}

/** One launchable app, as the apps file describes it after validation and defaults. */
export interface AppSpec {
  name: string;
  /** `job`: runs its command to the end (COMPLETED, or FAILED with its exit code); never idle-stopped. */
  kind?: 'job';
  /** What a launch may say about its command (skaha's `cmd` and `args`); absent: nothing. */
  userCommand?: UserCommandRules;
  description?: string;
  /** The name people see; `name` otherwise. */
  title?: string;
  /** A PNG or SVG as a data: URL (served at GET /apps/{name}/icon). */
  icon?: string;
  /** What kind of app: SimPhoNy's `webapp`/`vncapp`, skaha's session types. */
  type?: string;
  /** Who may see and launch it; absent: everyone. Others get 404, as for an app that does not exist. */
  access?: Access;
  /** Named sizes a launch may choose (`profile`), in the apps file's order. */
  profiles?: Profile[];
  /** Launches choose a profile or take the default size: no raw resources. */
  profilesOnly?: boolean;
  /** Its skaha session type (`skahaType`); see skahaTypeOf. */
  skahaType?: SkahaType;
  /**
   * The image id skaha's clients launch it by (`image=`) when it has no `image` of its own (built or run as a process).
   */
  skahaImage?: string;
  /** argv template with `${host} ${port} ${secret} ${id}` and the params; empty: the image's own entrypoint. */
  command: string[];
  image?: string;
  /**
   * A folder with a Containerfile (absolute): on AWS the stack builds the app's image from it as an
   * image asset at `cdk deploy`; on one machine the app runs its command and this is not used.
   */
  build?: string;
  /** Whether a launch may name its own image (from the allowed registries). */
  customImage: boolean;
  /** The app writes only to its volumes/tmp: its container gets a read-only root filesystem (ECS). */
  readOnlyRootFilesystem: boolean;
  /** The port the app listens on; undefined: one is allocated and passed as `${port}`/PORT. */
  port?: number;
  /** The port it listens on inside a container (ECS, the container runtime): `port`, or DEFAULT_CONTAINER_PORT. */
  containerPort: number;
  ready: Readiness;
  /** How a READY session is watched for being dead; absent: the server's default (`tcp`). */
  liveness?: Liveness;
  resources: Resources;
  /** The most a user may request; defaults to `resources`. */
  limits: Resources;
  capacity: Capacity;
  idleTimeoutMs: number;
  /** Where a launch may choose its own idle timeout (chosen-limits.ts): between these (max Infinity: never allowed). */
  idleTimeoutBounds?: { min: number; max: number };
  /**
   * Its CPU rule (RES's): in use while it uses more than this many vCPUs, whoever is connected (a render, a solver);
   * sampled at each reaper pass where the runtime can tell (a process, a container), reported by the task on ECS.
   */
  busyCpu?: number;
  /** Environment variables whose values are secrets, by reference (apps-schema-parts SecretsInput); never the values. */
  secrets?: Record<string, string>;
  /** The secrets held by groups: only a member's sessions get them (the rest of `secrets` go to every session). */
  secretGroups?: Record<string, string[]>;
  /** Its launches' place in the queue: higher first within their class (default 0; Kueue's priority classes). */
  priority?: number;
  /** How long before an idle or expiry stop the session is warned (default DEFAULT_WARN_BEFORE_MS). */
  warnBeforeMs?: number;
  maxLifetimeMs: number;
  /** Where a launch may choose its own lifetime (chosen-limits.ts): between these. */
  maxLifetimeBounds?: { min: number; max: number };
  launchTimeoutMs: number;
  env: Record<string, string>;
  params: Record<string, ParamSpec>;
  /**
   * The wslink launcher gives a POST of the same request by the same user within two minutes the
   * live session it started (once the app's design); by default every POST starts a new one (#35).
   */
  launcherReuse?: boolean;
  /** Opened through the server's web client (`/<name>.html`, which launches through the launcher), not its address. */
  webClient?: boolean;
  /** Open to anyone who opens its URL (the trame image's model), within these bounds (see launcher-visitors.ts). */
  open?: { max: number; perAddressPerMinute: number };
  /** False: the params reach the command only, not the environment (a wslink launcher file's request keys). */
  paramsAsEnv?: false;
  /** A wslink launcher file's `fields` and `sessionData`: what the launcher's reply carries besides its own keys. */
  launcherReply?: { fields: string[]; sessionData: Record<string, string> };
  /** Whether the router strips `/s/<id>` before passing a request on. */
  stripPrefix: boolean;
  /** Folders shared by a group, mounted for its members only (containers and ECS tasks). */
  volumes?: VolumeSpec[];
  /** Opened with the thin bar (the router's `<scope>.sessionplane/bar`): the portal, time left, Extend, Stop. */
  bar?: boolean;
  /** CSP frame-ancestors sources for the app's pages; default `'self'` (framed by its own origin only). */
  frameAncestors?: string;
  /** Described by its image's labels (found by discovery), not by the apps file. */
  fromLabels?: boolean;
  /** Where the user's home is mounted in its sessions (`/home/user`); undefined: no home. */
  home?: string;
  /** Working directory for a local process. */
  cwd?: string;
  /** Instances kept ready before anyone asks (claimed by launches that take the app's defaults). */
  pool?: PoolSpec;
}

/**
 * An app's defaults, where its apps-file entry is silent: a minute to start (JupyterHub's; the trame image's 25 s
 * failed a ParaView start under load, #35, while the launcher still answers at its own 25 s with the sessionURL),
 * Clace's idle timeout, skaha's lifetime.
 */
export const DEFAULT_LAUNCH_TIMEOUT_MS = 60_000;
/** The port a container's app listens on when its entry names none (the trame image's, and ECS's examples'). */
export const DEFAULT_CONTAINER_PORT = 8080;
export const DEFAULT_IDLE_TIMEOUT_MS = 180_000;
export const DEFAULT_WARN_BEFORE_MS = 300_000;
export const DEFAULT_MAX_LIFETIME_MS = 4 * 24 * 3600_000;

/**
 * The skaha session type of an app: `skahaType`, or `headless` for a job, or its `type` when that is one of skaha's,
 * or `contributed` (a web app).
 */
export function skahaTypeOf(app: AppSpec): SkahaType {
  return (
    app.skahaType ??
    (app.kind === 'job' ? 'headless' : undefined) ??
    ((SKAHA_TYPES as readonly string[]).find((t) => t === app.type) as SkahaType | undefined) ??
    'contributed'
  );
}

/** The image id skaha's clients know an app by: its image, or the name the apps file gives it for skaha. */
export function skahaImageOf(app: AppSpec): string | undefined {
  return app.image ?? app.skahaImage;
}
