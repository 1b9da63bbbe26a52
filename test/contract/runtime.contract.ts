import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSpec } from '../../shared/domain';
import type { Runtime } from '../../shared/ports';
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
  teardown(): Promise<void>;
}

/** The Runtime contract: every adapter runs it (local processes; ECS against a scripted ECS). */
export function runtimeContract(name: string, setup: () => Promise<RuntimeHarness>): void {
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
