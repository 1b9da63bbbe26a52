import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSpec, Readiness } from '../../shared/domain/app';
import type { Runtime } from '../../shared/ports/runtime';
import { makeSession } from '../support/sessions';
import { waitFor } from '../support/wait';

export interface RuntimeHarness {
  runtime: Runtime;
  /** An app the runtime can start and that becomes ready by itself. */
  app: AppSpec;
  /** Lets time pass for the backing system (a scripted ECS advances its tasks here). */
  tick?(): Promise<void>;
  /** Ends an instance from outside, as a crash would (the process killed, the task's container exiting). */
  crash(runtimeId: string): Promise<void>;
  /**
   * A second runtime over the same backing system, as after a restart of the control plane, and
   * what its start-up found: an adapter either adopts what it finds (lists it) or stops it as a
   * stray (returns its session ids). Its ownership marker is what lets it find them.
   */
  restarted(): Promise<{ runtime: Runtime; strays: string[] }>;
  /** The resources the instance was given, as the backing system saw them (its environment, its task size). */
  resourcesSeen(runtimeId: string): Promise<{ cpu: number; memory: number; env: Record<string, string> }>;
  /**
   * The readiness kinds this adapter judges itself, each with an app that passes it and one that
   * never does. An adapter whose readiness is judged elsewhere (ECS: the task-events function
   * probes) lists none, and its judge has its own tests. `runtimeContract`'s `judges` names the kinds.
   */
  readiness: { kind: Readiness['kind']; passes: AppSpec; neverPasses: AppSpec }[];
  teardown(): Promise<void>;
}

/** The Runtime contract: every adapter runs it (local processes; ECS against a scripted ECS). */
export function runtimeContract(
  name: string,
  setup: () => Promise<RuntimeHarness>,
  judges: readonly Readiness['kind'][],
): void {
  describe(`Runtime contract: ${name}`, () => {
    let h: RuntimeHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => h?.teardown());

    const settle = async (runtimeId: string, phases: string[]) =>
      waitFor(
        async () => {
          await h.tick?.();
          const seen = await h.runtime.inspect(runtimeId);
          return phases.includes(seen.phase) ? seen : undefined;
        },
        15_000,
        `phase ${phases.join('|')}`,
      );

    it('starts an instance that becomes ready and has an endpoint', async () => {
      const session = makeSession();
      const { runtimeId } = await h.runtime.start({ session, app: h.app, secret: 's3cret' });
      expect(runtimeId).toBeTruthy();
      const seen = await settle(runtimeId, ['ready', 'running']);
      expect(seen.endpoint).toMatch(/^[^:]+:\d+$/);
      await h.runtime.stop(runtimeId, 'test');
    });

    it('is idempotent per session: a second start returns the same instance', async () => {
      const session = makeSession();
      const first = await h.runtime.start({ session, app: h.app, secret: 's' });
      const second = await h.runtime.start({ session, app: h.app, secret: 's' });
      expect(second.runtimeId).toBe(first.runtimeId);
      expect((await h.runtime.list()).filter((i) => i.sessionId === session.id)).toHaveLength(1);
      await h.runtime.stop(first.runtimeId, 'test');
    });

    it('lists a live instance with its session id, and not after stop', async () => {
      const session = makeSession();
      const { runtimeId } = await h.runtime.start({ session, app: h.app, secret: 's' });
      expect(await h.runtime.list()).toContainEqual({ runtimeId, sessionId: session.id });
      await h.runtime.stop(runtimeId, 'test');
      await settle(runtimeId, ['stopped']);
      expect((await h.runtime.list()).map((i) => i.runtimeId)).not.toContain(runtimeId);
    });

    it('reports an instance that ended on its own as stopped, with a reason', async () => {
      const session = makeSession();
      const { runtimeId } = await h.runtime.start({ session, app: h.app, secret: 's' });
      await settle(runtimeId, ['ready', 'running']);
      await h.crash(runtimeId);
      const seen = await settle(runtimeId, ['stopped']);
      expect(seen.exit?.reason).toBeTruthy();
      expect((await h.runtime.list()).map((i) => i.runtimeId)).not.toContain(runtimeId);
    });

    it('finds, after a restart of the control plane, what the last run started: adopted or stopped, never lost', async () => {
      const session = makeSession();
      const { runtimeId } = await h.runtime.start({ session, app: h.app, secret: 's' });
      await settle(runtimeId, ['ready', 'running']);
      const after = await h.restarted();
      const adopted = (await after.runtime.list()).some((i) => i.sessionId === session.id && i.runtimeId === runtimeId);
      expect(adopted || after.strays.includes(session.id), 'the new runtime neither lists nor stopped it').toBe(true);
      await after.runtime.stop(runtimeId, 'test');
      await h.runtime.stop(runtimeId, 'test');
    });

    it('tells the CPU time an instance works, where the runtime can (its app CPU rule); none after it stops', async () => {
      // ECS cannot from outside the task: the stack-built image's entrypoint reports from the task metadata instead.
      if (!h.runtime.cpuSeconds) return void expect(h.runtime.kind).toBe('ecs');
      const burner = { ...h.app, command: [...h.app.command, '--burn'] };
      const { runtimeId } = await h.runtime.start({ session: makeSession(), app: burner, secret: 's' });
      await settle(runtimeId, ['ready']);
      const first = await h.runtime.cpuSeconds(runtimeId);
      expect(first).toBeGreaterThanOrEqual(0);
      // Ordered, not timed: it works, so its CPU time grows.
      await waitFor(async () => ((await h.runtime.cpuSeconds!(runtimeId)) ?? 0) > first! + 0.2, 60_000, 'CPU grows');
      await h.runtime.stop(runtimeId, 'test');
      expect(await h.runtime.cpuSeconds(runtimeId)).toBeUndefined();
    }, 120_000);

    it("passes the session's resources through: the size it asked for, and CPU_LIMIT / MEM_LIMIT in the environment", async () => {
      const session = makeSession({ resources: { cpu: 0.5, memory: 768, gpus: 0 } });
      const { runtimeId } = await h.runtime.start({ session, app: h.app, secret: 's' });
      await settle(runtimeId, ['ready', 'running']);
      const seen = await h.resourcesSeen(runtimeId);
      expect(seen.cpu).toBeGreaterThanOrEqual(0.5);
      expect(seen.memory).toBeGreaterThanOrEqual(768);
      expect(seen.env).toMatchObject({
        CPU_LIMIT: '0.5',
        MEM_LIMIT: String(768 * 1024 * 1024),
        SESSION_ID: session.id,
      });
      await h.runtime.stop(runtimeId, 'test');
    });

    for (const kind of judges) {
      it(`readiness ${kind}: ready once the check passes, never while it fails`, async () => {
        const check = h.readiness.find((r) => r.kind === kind)!;
        const good = await h.runtime.start({ session: makeSession(), app: check.passes, secret: 's' });
        expect((await settle(good.runtimeId, ['ready', 'stopped'])).phase).toBe('ready');
        const bad = await h.runtime.start({ session: makeSession(), app: check.neverPasses, secret: 's' });
        // Given the time the good one took and more, the bad one is still starting.
        await new Promise((r) => setTimeout(r, 1500));
        expect((await h.runtime.inspect(bad.runtimeId)).phase).toBe('starting');
        await Promise.all([h.runtime.stop(good.runtimeId, 'test'), h.runtime.stop(bad.runtimeId, 'test')]);
      });
    }

    it('stops idempotently, and treats an unknown instance as already stopped', async () => {
      const session = makeSession();
      const { runtimeId } = await h.runtime.start({ session, app: h.app, secret: 's' });
      await h.runtime.stop(runtimeId, 'test');
      await expect(h.runtime.stop(runtimeId, 'test')).resolves.toBeDefined();
      await settle(runtimeId, ['stopped']);
      await expect(h.runtime.stop(`${runtimeId}-unknown`, 'test')).resolves.toBeDefined();
    });
  });
}
