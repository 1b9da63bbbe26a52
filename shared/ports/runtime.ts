import type { VolumeMount } from '../domain/volumes';
import type { AppSpec } from '../domain/app';
import type { HomeMount } from '../domain/homes';
import type { NewSessionEvent } from '../domain/events';
import type { Session } from '../domain/session';

export interface StartRequest {
  session: Session;
  app: AppSpec;
  /** The app's own secret (trame `--authKey`); never stored. */
  secret: string;
  /** The owner's home, for an app with `home`: its folder or access point, and whom to run as. */
  home?: HomeMount | undefined;
  /** The group volumes its owner is a member of (by name; the runtime knows where each project's data is). */
  volumes?: VolumeMount[] | undefined;
  /** Where its app says it is busy (SESSION_ACTIVITY_URL: POST with its secret), where the deployment says. */
  activityUrl?: string | undefined;
}

export interface StartResult {
  runtimeId: string;
  /** Which kind of runtime runs it, where one runtime composes several (processes and containers). */
  kind?: string;
  /** host:port, when known at start (a local process); ECS learns it later. */
  endpoint?: string;
  /**
   * The steps the start went through or is in, for the session's event log (a process started and probed; a task
   * placed).
   */
  phases?: NewSessionEvent[];
}

type RuntimePhase = 'starting' | 'ready' | 'running' | 'stopping' | 'stopped' | 'unknown';

export interface Inspection {
  phase: RuntimePhase;
  endpoint?: string;
  /** Why it stopped, when it has. */
  exit?: { code?: number | null; signal?: string | null; reason: string };
}

/** What the caller knows that helps read an instance's state (ECS is eventually consistent). */
export interface InspectHint {
  /** When the instance was started: a task missing just after RunTask is still starting. */
  startedAt?: number;
}

export interface ManagedInstance {
  runtimeId: string;
  sessionId: string;
}

/** What a runtime reports by itself (local: process events; ECS: none, task-events does it). */
/**
 * What a runtime observed. `version` orders the observations of one instance (ECS's
 * detail.version): one not newer than the last applied changes nothing.
 */
export type RuntimeEvent = (
  | { type: 'ready'; endpoint: string }
  | { type: 'exited'; code: number | null; signal: string | null; wasReady: boolean; reason?: string }
  | { type: 'failed'; reason: string }
) & { sessionId: string; runtimeId: string; version?: number };

/** Runs one instance per session. Both adapters pass test/contract/runtime.contract.ts. */
export interface Runtime {
  readonly kind: string;
  /** Idempotent per session id: a second call returns the same instance. */
  start(request: StartRequest): Promise<StartResult>;
  inspect(runtimeId: string, hint?: InspectHint): Promise<Inspection>;
  /** Idempotent; resolves `confirmed: true` once the instance is known to be gone. */
  stop(runtimeId: string, reason: string): Promise<{ confirmed: boolean }>;
  /** Every instance this runtime manages, for the orphan sweep. */
  list(): Promise<ManagedInstance[]>;
  /**
   * The CPU time (seconds, cumulative) an instance has used, for an app's busy rule (`busyCpu`); undefined where the
   * runtime cannot tell (ECS: the task itself reports, see examples/apps/sessionplane-entry.mjs).
   */
  cpuSeconds?(runtimeId: string): Promise<number | undefined>;
  /** Releases what the runtime keeps between sessions and nobody used for long (the reaper's pass). */
  tidy?(): Promise<{ removed: number }>;
  /** Subscribes to events the runtime observes by itself. Returns an unsubscribe function. */
  onEvent(listener: (event: RuntimeEvent) => void): () => void;
}
