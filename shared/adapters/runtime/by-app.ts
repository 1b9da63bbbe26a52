import type { AppSpec } from '../../domain/app';
import { STATUS_REASONS } from '../../domain/session';
import type {
  InspectHint,
  Inspection,
  ManagedInstance,
  Runtime,
  RuntimeEvent,
  StartRequest,
  StartResult,
} from '../../ports/runtime';

/** One runtime of a composite, with which apps it runs and which instances are its. */
export interface RuntimeChoice {
  runtime: Runtime;
  /** Whether it runs this app (launched with this image, if any). */
  runs(app: AppSpec, image?: string): boolean;
  /** Whether an instance id is one of its (each adapter's ids carry its prefix: `local:`, `container:`). */
  owns(runtimeId: string): boolean;
}

/**
 * Several runtimes as one: a start goes to the first that runs the app, everything about an
 * instance to the one that owns its id, and list, tidy and events to all. Services never ask which
 * runtime they hold; each session's record says which kind ran it.
 */
export class RuntimeByApp implements Runtime {
  readonly kind = 'by-app';

  constructor(private readonly choices: readonly RuntimeChoice[]) {}

  /** The runtime a launch of `app` (with `image`) goes to, if any. */
  choose(app: AppSpec, image?: string): Runtime | undefined {
    return this.choices.find((c) => c.runs(app, image))?.runtime;
  }

  async start(request: StartRequest): Promise<StartResult> {
    const runtime = this.choose(request.app, request.session.image);
    if (!runtime) throw new Error(`no runtime runs app ${request.app.name}`);
    return { kind: runtime.kind, ...(await runtime.start(request)) };
  }

  inspect(runtimeId: string, hint?: InspectHint): Promise<Inspection> {
    const owner = this.owner(runtimeId);
    return owner
      ? owner.inspect(runtimeId, hint)
      : Promise.resolve({ phase: 'stopped', exit: { reason: STATUS_REASONS.lost } });
  }

  stop(runtimeId: string, reason: string): Promise<{ confirmed: boolean }> {
    return this.owner(runtimeId)?.stop(runtimeId, reason) ?? Promise.resolve({ confirmed: true });
  }

  async cpuSeconds(runtimeId: string): Promise<number | undefined> {
    return this.owner(runtimeId)?.cpuSeconds?.(runtimeId);
  }

  async list(): Promise<ManagedInstance[]> {
    return (await Promise.all(this.choices.map((c) => c.runtime.list()))).flat();
  }

  async tidy(): Promise<{ removed: number }> {
    const results = await Promise.all(this.choices.map((c) => c.runtime.tidy?.() ?? { removed: 0 }));
    return { removed: results.reduce((sum, r) => sum + r.removed, 0) };
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    const unsubscribe = this.choices.map((c) => c.runtime.onEvent(listener));
    return () => {
      for (const u of unsubscribe) u();
    };
  }

  private owner(runtimeId: string): Runtime | undefined {
    return this.choices.find((c) => c.owns(runtimeId))?.runtime;
  }
}
