import type { AppSpec } from '../domain/app';
import type { Session } from '../domain/session';

export interface StartRequest {
  session: Session;
  app: AppSpec;
  /** The app's own secret (trame `--authKey`); never stored. */
  secret: string;
}

export interface StartResult {
  runtimeId: string;
  /** host:port, when known at start (a local process); ECS learns it later. */
  endpoint?: string;
}

export type RuntimePhase = 'starting' | 'ready' | 'running' | 'stopping' | 'stopped' | 'unknown';

export interface Inspection {
  phase: RuntimePhase;
  endpoint?: string;
  /** Why it stopped, when it has. */
  exit?: { code?: number | null; signal?: string | null; reason: string };
}

export interface ManagedInstance {
  runtimeId: string;
  sessionId: string;
}

/** What a runtime reports by itself (local: process events; ECS: none, task-events does it). */
export type RuntimeEvent =
  | { type: 'ready'; sessionId: string; runtimeId: string; endpoint: string }
  | { type: 'exited'; sessionId: string; runtimeId: string; code: number | null; signal: string | null; wasReady: boolean }
  | { type: 'failed'; sessionId: string; runtimeId: string; reason: string };

/** Runs one instance per session. Both adapters pass test/contract/runtime.contract.ts. */
export interface Runtime {
  readonly kind: string;
  /** Idempotent per session id: a second call returns the same instance. */
  start(request: StartRequest): Promise<StartResult>;
  inspect(runtimeId: string): Promise<Inspection>;
  /** Idempotent; resolves `confirmed: true` once the instance is known to be gone. */
  stop(runtimeId: string, reason: string): Promise<{ confirmed: boolean }>;
  /** Every instance this runtime manages, for the orphan sweep. */
  list(): Promise<ManagedInstance[]>;
  /** Subscribes to events the runtime observes by itself. Returns an unsubscribe function. */
  onEvent(listener: (event: RuntimeEvent) => void): () => void;
}
