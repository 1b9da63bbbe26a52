import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { containerEngine, engineAnswers } from '../../shared/adapters/runtime/container/engine';
import { fixtureApp } from './apps';

/** The image scripts/podman.sh builds: the demo apps and the fixture app on this machine's node. */
export const TEST_IMAGE = 'localhost/sessionplane-demo:test';

const NO_ENGINE =
  'no container engine: run `eval "$(scripts/podman.sh up)"` (or set DOCKER_HOST / SESSIONPLANE_CONTAINER_HOST) to run these tests';

/**
 * The container engine the tests use (SESSIONPLANE_CONTAINER_HOST, DOCKER_HOST, or a default
 * socket), with its test image. Without one a test file skips with `reason`, except in CI, where
 * .ci/run sets podman up and a missing engine fails the run.
 */
export async function testEngine(): Promise<{ docker: Docker; address: string } | { reason: string }> {
  const engine = containerEngine(process.env.SESSIONPLANE_CONTAINER_HOST ?? process.env.DOCKER_HOST);
  const problem = !engine
    ? NO_ENGINE
    : !(await engineAnswers(engine.docker))
      ? `the container engine at ${engine.address} does not answer`
      : !(await engine.docker
            .getImage(TEST_IMAGE)
            .inspect()
            .then(() => true)
            .catch(() => false))
        ? `the engine lacks ${TEST_IMAGE}: run scripts/podman.sh up`
        : undefined;
  if (!problem) return engine!;
  if (process.env.CI) throw new Error(`CI needs a container engine: ${problem}`);
  return { reason: problem };
}

/** The fixture app (test/support/fixtures/fixture-app.mjs) as an image app. */
export function containerFixtureApp(extraArgs: string[] = [], overrides: Parameters<typeof fixtureApp>[1] = {}) {
  return fixtureApp([], {
    image: TEST_IMAGE,
    command: ['node', '/app/fixture-app.mjs', '--host', '${host}', '--port', '${port}', ...extraArgs],
    // A container's start through podman beside other work can take tens of seconds (#33): its launch
    // timeout is for a start that never ends, as in production (the ECS default is 300 s).
    launchTimeoutMs: 120_000,
    ...overrides,
  });
}

/** Every container of the engine carrying `label` (test clean-up and assertions). */
export async function containersLabelled(docker: Docker, label: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [label] } });
}

/** Builds an image through the engine's API from a Containerfile's text; resolves once it is built. */
export async function buildImage(docker: Docker, tag: string, containerfile: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sp-build-'));
  try {
    writeFileSync(join(dir, 'Containerfile'), containerfile);
    const stream = await docker.buildImage(
      { context: dir, src: ['Containerfile'] },
      { t: tag, dockerfile: 'Containerfile', networkmode: 'none' },
    );
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error, output) => {
        const failed = (output as { error?: string }[] | undefined)?.find((o) => o.error);
        if (error || failed) reject(error ?? new Error(failed!.error));
        else resolve();
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
