import { sessionEnvOf } from '../../../domain/command';
import { sessionArgv } from '../../../domain/jobs';
import { RuntimeStartError } from '../../../domain/errors';
import { sessionBasePath } from '../../../domain/urls';
import type { StartRequest } from '../../../ports/runtime';
import { fargateTaskSize } from './fargate-sizes';
import type { KmsSecretSealer } from './secret-sealer';

/** What the entrypoint expands in the command, once it has unsealed the secret. */
export const SEALED_SECRET_PLACEHOLDER = '${SESSION_SECRET}';

/** ECS limits the overrides of one RunTask to 8192 characters of JSON. */
const MAX_OVERRIDES = 8192;

export interface OverridesInput extends StartRequest {
  containerName: string;
  /** Seals the session's secret for apps the stack built (their entrypoint unseals it). */
  sealer?: Pick<KmsSecretSealer, 'seal'> | undefined;
}

/**
 * A session's RunTask overrides: its size (a Fargate size, or the session's own on EC2 with GPUs),
 * its environment (the secret sealed where the image can unseal it) and its command. `ownImage`:
 * the app's own image runs (not a user's).
 */
// Over 60 lines: the overrides' parts (size, environment, sealing, command, bound) in the order ECS reads them.
export async function taskOverrides(input: OverridesInput) {
  const { session, app, secret, home } = input;
  const port = app.containerPort;
  const basePath = sessionBasePath(session.id);
  const gpus = session.resources.gpus;
  const size =
    gpus > 0
      ? { cpu: Math.round(session.resources.cpu * 1024), memory: session.resources.memory }
      : fargateTaskSize(session.resources.cpu, session.resources.memory);
  // A user's own image runs in a registry revision, and has no entrypoint of ours to unseal with.
  const ownImage = session.image === undefined || session.image === app.image;
  const sealed = input.sealer && app.build && ownImage;
  const shown = sealed ? SEALED_SECRET_PLACEHOLDER : secret;
  // HOST as a local session gets it: the address to listen on, here every interface of the task's ENI.
  const env: Record<string, string> = {
    ...sessionEnvOf(session, app, {
      port,
      secret,
      basePath,
      homePath: home?.mountPath,
      activityUrl: input.activityUrl,
    }),
    HOST: '0.0.0.0',
    // Its CPU rule: the stack-built image's entrypoint reports it from the task metadata (busy-reporter.mjs).
    ...(app.busyCpu ? { SESSION_BUSY_CPU: String(app.busyCpu) } : {}),
  };
  if (sealed) {
    delete env.SESSION_SECRET;
    Object.assign(env, {
      SESSION_SECRET_SEALED: await input.sealer!.seal(secret, session.id, app.name),
      SESSIONPLANE_APP: app.name,
    });
  }
  const argv = sessionArgv(app.command, session.command, {
    ...session.params,
    host: '0.0.0.0',
    port: String(port),
    secret: shown,
    id: session.id,
    basePath,
  });
  const command = argv.length ? argv : undefined;
  const overrides = {
    cpu: String(size.cpu),
    memory: String(size.memory),
    containerOverrides: [
      {
        name: input.containerName,
        environment: Object.entries(env).map(([name, value]) => ({ name, value })),
        ...(command ? { command } : {}),
        // On EC2 the container has a memory reservation (the app's default, in its task definition);
        // a task smaller than that cannot be placed, so the session's memory replaces it as well.
        ...(gpus > 0
          ? { memoryReservation: size.memory, resourceRequirements: [{ type: 'GPU' as const, value: String(gpus) }] }
          : {}),
      },
    ],
  };
  if (JSON.stringify(overrides).length > MAX_OVERRIDES)
    throw new RuntimeStartError(
      "The session's environment and command are longer than ECS allows (8192 characters of overrides).",
      {
        reason: 'overrides-too-large',
      },
    );

  return { overrides, ownImage };
}
