import { sessionEnvOf } from '../../../domain/command';
import { sessionArgv } from '../../../domain/jobs';
import type { StartRequest } from '../../../ports/runtime';
import { sessionBasePath } from '../../../domain/urls';
import { MARKER } from './pid-records';

/**
 * A session's argv and environment: the app's command with its placeholders filled in once, the
 * server's small inherited environment, the session's own variables, HOST, and the ownership
 * marker. A launch that names an image (an app with customImage) runs the app's command with the
 * image named, as `${image}` and SESSION_IMAGE: a process cannot be an image, but its command can
 * run one (a podman wrapper, say). Containers proper are the container runtime's.
 */
export function sessionProcess(
  input: StartRequest & {
    host: string;
    port: number;
    marker: string;
    baseEnv: Record<string, string>;
    /** The app's secrets, resolved (local-secrets.ts). */
    secrets?: Record<string, string>;
  },
): {
  argv: string[];
  env: Record<string, string>;
} {
  const { session, app, secret, host, port } = input;
  const basePath = sessionBasePath(session.id);
  const image = session.image ?? app.image ?? '';
  return {
    argv: sessionArgv(app.command, session.command, {
      ...session.params,
      host,
      port: String(port),
      secret,
      id: session.id,
      basePath,
      image,
      appDir: app.cwd ?? '',
    }),
    env: {
      ...input.baseEnv,
      // A Python app's output reaches the log (and its ready line the watcher) as it is printed, not when
      // its buffer fills: what a launcher's operator sets for pvpython and trame (#35). The app's env may
      // say otherwise.
      PYTHONUNBUFFERED: '1',
      ...sessionEnvOf(session, app, {
        port,
        secret,
        basePath,
        homePath: input.home?.home.path,
        activityUrl: input.activityUrl,
      }),
      HOST: host,
      ...input.secrets,
      ...(session.image ? { SESSION_IMAGE: session.image } : {}),
      // A home app's process lives in the user's folder.
      ...(input.home?.home.path ? { HOME: input.home.home.path } : {}),
      [MARKER]: input.marker,
    },
  };
}
