import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerRuntime } from '../../shared/adapters/runtime/container/container-runtime';
import { CONTAINER_LABELS } from '../../shared/adapters/runtime/container/container-spec';
import type { RuntimeEvent } from '../../shared/ports/runtime';
import { containerFixtureApp, containersLabelled, testEngine } from '../support/container-engine';
import { makeSession } from '../support/sessions';
import { waitFor } from '../support/wait';

const engine = await testEngine();
const idOf = (runtimeId: string) => runtimeId.slice('container:'.length);

/** CPU seconds a container used over `ms`, per second: its share of one CPU. */
async function cpuShare(docker: Docker, containerId: string, ms: number): Promise<number> {
  const usage = async () =>
    ((await docker.getContainer(containerId).stats({ stream: false })) as Docker.ContainerStats).cpu_stats.cpu_usage
      .total_usage;
  const before = await usage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const used = (await usage()) - before;
  return used / Number(process.hrtime.bigint() - t0);
}

describe.skipIf('reason' in engine)(`container sessions${'reason' in engine ? ` (${engine.reason})` : ''}`, () => {
  const { docker } = engine as { docker: Docker };
  let runtime: ContainerRuntime;
  let dir: string;
  const plane = `test-${randomBytes(6).toString('hex')}`;
  const events: RuntimeEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-containers-'));
    runtime = new ContainerRuntime({ docker, plane, logDir: join(dir, 'logs'), stopGraceMs: 2000 });
    runtime.onEvent((e) => events.push(e));
    await runtime.ready();
  });
  afterAll(async () => {
    await runtime?.stopAll('test');
    for (const c of await containersLabelled(docker, `${CONTAINER_LABELS.plane}=${plane}`))
      await docker.getContainer(c.Id).remove({ force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  // As long as the app's own launch timeout (containerFixtureApp: 120 s): a loaded full run beside the
  // ParaView tier saw a podman start pass 60 s; a start that never ends fails at that timeout anyway.
  const readyEndpoint = (runtimeId: string) =>
    waitFor(
      async () => {
        const seen = await runtime.inspect(runtimeId);
        return seen.phase === 'ready' ? seen.endpoint : undefined;
      },
      120_000,
      'the container ready',
    );
  const exitOf = (runtimeId: string) =>
    // The start's own bound (120 s) and a minute more: the wait counts from the start, and CI once saw
    // this first container of the file, started beside the ParaView tier, not end within 60 s.
    waitFor(
      () =>
        events.find(
          (e): e is Extract<RuntimeEvent, { type: 'exited' }> => e.type === 'exited' && e.runtimeId === runtimeId,
        ),
      180_000,
      `the exit of ${runtimeId}`,
    ).catch(async (error: Error) => {
      const seen = await runtime.inspect(runtimeId).catch(() => undefined);
      throw new Error(`${error.message}; the runtime sees it ${JSON.stringify(seen)}`);
    });

  it('ends a memory hog with reason oom (podman never sets OOMKilled: inferred from 137 under a limit)', async () => {
    const session = makeSession({ resources: { cpu: 1, memory: 96, gpus: 0 } });
    const { runtimeId } = await runtime.start({
      session,
      app: containerFixtureApp(['--mode', 'serve', '--hog']),
      secret: 's',
    });
    const exit = await exitOf(runtimeId);
    expect(exit.code).toBe(137);
    expect(exit.reason).toBe('oom: over its memory limit of 96 MiB');
    expect((await runtime.inspect(runtimeId)).exit?.reason).toMatch(/^oom/);
    expect(await containersLabelled(docker, `${CONTAINER_LABELS.session}=${session.id}`)).toEqual([]);
  }, 200_000);

  it('holds a CPU limit: a burner given 0.5 CPU uses about half of one', async () => {
    const session = makeSession({ resources: { cpu: 0.5, memory: 256, gpus: 0 } });
    const { runtimeId } = await runtime.start({
      session,
      app: containerFixtureApp(['--mode', 'serve', '--burn']),
      secret: 's',
    });
    await readyEndpoint(runtimeId);
    const share = await cpuShare(docker, idOf(runtimeId), 2000);
    console.log(`CPU limit 0.5: the burner used ${share.toFixed(2)} CPU`);
    expect(share).toBeLessThan(0.65);
    // It ran (how much of its half it got depends on what else the machine runs).
    expect(share).toBeGreaterThan(0.02);
    await runtime.stop(runtimeId, 'test');
  });

  it('notices a container killed outside the server at once, and does not call it oom', async () => {
    const session = makeSession({ resources: { cpu: 1, memory: 256, gpus: 0 } });
    const { runtimeId } = await runtime.start({ session, app: containerFixtureApp(['--mode', 'serve']), secret: 's' });
    await readyEndpoint(runtimeId);
    const killedAt = Date.now();
    await docker.getContainer(idOf(runtimeId)).kill();
    const exit = await exitOf(runtimeId);
    const noticedMs = Date.now() - killedAt;
    console.log(`a container killed outside was noticed in ${noticedMs} ms`);
    // Noticed by the engine's event, not a later sweep: ample for a loaded machine, far below any sweep.
    expect(noticedMs).toBeLessThan(15_000);
    expect(exit).toMatchObject({ code: 137, signal: 'SIGKILL', wasReady: true });
    expect(exit.reason).toBeUndefined();
  });

  it("publishes the app's port on 127.0.0.1 only, labels the container, and logs its output", async () => {
    const session = makeSession({ owner: 'alice@example.org' });
    const app = containerFixtureApp(['--mode', 'serve', '--ready-line', 'APP READY'], {
      ready: { kind: 'line', line: 'APP READY' },
    });
    const { runtimeId } = await runtime.start({ session, app, secret: 's' });
    const endpoint = await readyEndpoint(runtimeId);
    expect(endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    const info = await docker.getContainer(idOf(runtimeId)).inspect();
    const bindings = Object.values(info.NetworkSettings.Ports).flat();
    expect(bindings.map((b) => b?.HostIp)).toEqual(['127.0.0.1']);
    expect(info.Config.Labels).toMatchObject({
      [CONTAINER_LABELS.session]: session.id,
      [CONTAINER_LABELS.owner]: 'alice@example.org',
      [CONTAINER_LABELS.app]: 'fixture',
    });
    const body = (await (await fetch(`http://${endpoint}/`)).json()) as { env: Record<string, unknown> };
    expect(body.env).toMatchObject({ SESSION_ID: session.id, SECRET_SET: true, PORT: '8080' });
    await runtime.stop(runtimeId, 'test');
    expect(readFileSync(runtime.logPath(session.id), 'utf8')).toMatch(
      /^\d{4}-\d\d-\d\dT\S+ APP READY http:\/\/0\.0\.0\.0:8080\//m,
    );
  }, 150_000);

  it('stops with SIGTERM, and kills after the grace an app that ignores it', async () => {
    const polite = await runtime.start({
      session: makeSession(),
      app: containerFixtureApp(['--mode', 'serve']),
      secret: 's',
    });
    const stubborn = await runtime.start({
      session: makeSession(),
      app: containerFixtureApp(['--mode', 'serve', '--ignore-term']),
      secret: 's',
    });
    await Promise.all([readyEndpoint(polite.runtimeId), readyEndpoint(stubborn.runtimeId)]);
    const t0 = Date.now();
    await runtime.stop(polite.runtimeId, 'test');
    const politeMs = Date.now() - t0;
    const t1 = Date.now();
    await runtime.stop(stubborn.runtimeId, 'test');
    const stubbornMs = Date.now() - t1;
    console.log(`stops: polite ${politeMs} ms, stubborn ${stubbornMs} ms`);
    // SIGTERM ended the polite one (no SIGKILL's 137); the stubborn one had its whole grace, then SIGKILL.
    expect((await exitOf(polite.runtimeId)).code).not.toBe(137);
    expect(stubbornMs).toBeGreaterThanOrEqual(1900);
    expect((await exitOf(stubborn.runtimeId)).code).toBe(137);
    expect((await runtime.inspect(stubborn.runtimeId)).exit?.reason).toBe('stopped');
  });

  it('refuses an image the engine does not have, clearly, and leaves nothing behind', async () => {
    const session = makeSession();
    await expect(
      runtime.start({ session, app: containerFixtureApp([], { image: 'localhost/no-such-image:1' }), secret: 's' }),
    ).rejects.toThrow('Image localhost/no-such-image:1 is not on this machine');
    expect(await containersLabelled(docker, `${CONTAINER_LABELS.session}=${session.id}`)).toEqual([]);
  });

  it('takes back a ready-line app after a restart: its past output has the line, so it is ready again at once', async () => {
    const app = containerFixtureApp(['--mode', 'serve', '--ready-line', 'APP READY'], {
      ready: { kind: 'line', line: 'APP READY' },
    });
    const session = makeSession();
    const { runtimeId } = await runtime.start({ session, app, secret: 's' });
    await readyEndpoint(runtimeId);
    const next = new ContainerRuntime({ docker, plane, logDir: join(dir, 'logs'), stopGraceMs: 2000 });
    const seen: RuntimeEvent[] = [];
    next.onEvent((e) => seen.push(e));
    expect(await next.adopt(async (id) => (id === session.id ? app : undefined))).toEqual([]);
    expect(await next.inspect(runtimeId)).toMatchObject({
      phase: 'ready',
      endpoint: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(seen).toContainEqual(expect.objectContaining({ type: 'ready', runtimeId }));
    await next.stop(runtimeId, 'test');
    await next.stopAll('test');
    expect(await containersLabelled(docker, `${CONTAINER_LABELS.session}=${session.id}`)).toEqual([]);
  }, 150_000);
});
