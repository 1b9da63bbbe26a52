import { unixUserName } from './homes';
/**
 * Fills `${name}` placeholders in each argv element, in one pass: a value is never re-expanded,
 * and each element stays one argument, so a value cannot add arguments. Unknown names are left
 * as they are (Python's `safe_substitute`, as the wslink launcher does).
 */
export function renderArgv(template: readonly string[], vars: Readonly<Record<string, string>>): string[] {
  return template.map((arg) =>
    arg.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) =>
      Object.hasOwn(vars, name) ? vars[name]! : whole,
    ),
  );
}

export interface SessionEnvInput {
  port: number;
  sessionId: string;
  secret: string;
  basePath: string;
  appEnv: Record<string, string>;
  params: Record<string, string>;
  /** The session's resources; said to the app as JupyterHub's spawners do (jupyter-resource-usage reads them). */
  resources?: { cpu: number; memory: number; gpus: number };
  /** Whom it runs for. */
  owner: string;
  /** Where the user's home is inside the session, for a `home` app. */
  homePath?: string | undefined;
  /** Where the app reports that it is busy (`POST` with `Authorization: Bearer $SESSION_SECRET`). */
  activityUrl?: string | undefined;
}

/** The environment every session instance gets: the app's env, the user's params, then ours. */
export function sessionEnv(input: SessionEnvInput): Record<string, string> {
  return {
    ...input.appEnv,
    ...input.params,
    PORT: String(input.port),
    SESSION_ID: input.sessionId,
    SESSION_SECRET: input.secret,
    SESSION_BASE_PATH: input.basePath,
    // Whom it runs for, as SimPhoNy-Remote's apps (JupyterHub's names) and the trame image read it.
    SESSION_USER: input.owner,
    JPY_USER: input.owner,
    USER: unixUserName(input.owner),
    URL_ID: input.sessionId,
    JPY_BASE_USER_URL: input.basePath,
    ...(input.homePath ? { TRAME_USER_DATA: input.homePath } : {}),
    ...(input.activityUrl ? { SESSION_ACTIVITY_URL: input.activityUrl } : {}),
    ...(input.resources
      ? {
          /** vCPUs, as a decimal. */
          CPU_LIMIT: String(input.resources.cpu),
          /** Bytes. */
          MEM_LIMIT: String(input.resources.memory * 1024 * 1024),
        }
      : {}),
  };
}

/**
 * sessionEnv for a session of an app: what every runtime gives it (its port and secret, and where its home is, if it
 * has one).
 */
export function sessionEnvOf(
  session: {
    id: string;
    owner: string;
    params: Record<string, string>;
    resources: { cpu: number; memory: number; gpus: number };
  },
  app: { env: Record<string, string>; paramsAsEnv?: false },
  at: {
    port: number;
    secret: string;
    basePath: string;
    homePath?: string | undefined;
    activityUrl?: string | undefined;
  },
): Record<string, string> {
  return sessionEnv({
    port: at.port,
    sessionId: session.id,
    secret: at.secret,
    basePath: at.basePath,
    appEnv: app.env,
    params: app.paramsAsEnv === false ? {} : session.params,
    resources: session.resources,
    owner: session.owner,
    homePath: at.homePath,
    activityUrl: at.activityUrl,
  });
}
