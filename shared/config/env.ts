import * as z from 'zod';
import type { LauncherServerSettings } from './wslink-launcher-file';
import { DurationSchema, MemorySchema } from './duration';
import { ENV, INHERITED_ENV } from './env-names';
import { policyFrom, PolicyEnvSchema, tokenKeyOf } from './policy';
import { ConfigError } from '../domain/errors';
import { parseEnv } from './problems';
import { SessionDomainSchema, sessionDomainOf } from './session-domain';

const PortRangeSchema = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, 'expected "LOW-HIGH", e.g. "9001-9500"')
  .transform((s) => s.split('-').map(Number) as [number, number])
  .refine(([lo, hi]) => lo >= 1024 && hi <= 65535 && lo <= hi, 'expected 1024 <= LOW <= HIGH <= 65535');

/**
 * An OIDC issuer whose JWTs are accepted (Keycloak, Dex, Cognito, …): the local API's, and the router service's event
 * stream.
 */
export const OIDC_ENV = {
  [ENV.jwtIssuer]: z.url().optional(),
  [ENV.jwtAudience]: z.string().min(1).optional(),
  [ENV.jwtJwksUrl]: z.url().optional(),
  [ENV.userClaim]: z.string().min(1).default('sub'),
  [ENV.groupsClaim]: z.string().min(1).default('groups'),
  [ENV.adminGroup]: z.string().min(1).default('sessionplane-admins'),
};

function oidcFrom(e: z.output<z.ZodObject<typeof OIDC_ENV>>) {
  const issuer = e[ENV.jwtIssuer];
  if (issuer === undefined) return undefined;
  return {
    issuer,
    audience: e[ENV.jwtAudience] ?? 'sessionplane',
    ...(e[ENV.jwtJwksUrl] ? { jwksUrl: e[ENV.jwtJwksUrl] } : {}),
    userClaim: e[ENV.userClaim],
    groupsClaim: e[ENV.groupsClaim],
    adminGroup: e[ENV.adminGroup],
  };
}

export const LocalEnvSchema = z
  .object({
    [ENV.port]: z.coerce.number().int().min(0).max(65535).default(8080),
    [ENV.host]: z.string().min(1).default('127.0.0.1'),
    [ENV.appsFile]: z.string().min(1).default('examples/apps/apps.yml'),
    [ENV.dataDir]: z.string().min(1).default('.sessionplane'),
    [ENV.publicUrl]: z.url().optional(),
    [ENV.portRange]: PortRangeSchema.default([9001, 9500]),
    [ENV.sessionHost]: z.string().min(1).default('127.0.0.1'),
    [ENV.stopGrace]: DurationSchema.default(5000),
    [ENV.dynamodbEndpoint]: z.url().optional(),
    [ENV.tableName]: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,255}$/)
      .default('sessionplane-sessions'),
    [ENV.logLevel]: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
    [ENV.maxBodyBytes]: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024),
    [ENV.activityInterval]: DurationSchema.default(30_000),
    [ENV.socketInputIdle]: DurationSchema.default(3600_000),
    /** How often READY local apps are probed; 3 misses in a row end the session. 0 turns it off. */
    [ENV.livenessInterval]: DurationSchema.default(15_000),
    /** A quiet event stream says it is alive this often (BinderHub: 25 s; proxies cut idle streams). */
    [ENV.eventKeepalive]: DurationSchema.default(15_000),
    /** How long usage records are kept. */
    [ENV.usageRetention]: DurationSchema.default(400 * 24 * 3600_000),
    [ENV.lookupCache]: DurationSchema.default(2000),
    /** The container engine (Docker or Podman) `image` apps run on: unix:///path, tcp://host:port, or `none`. */
    [ENV.containerHost]: z
      .string()
      .regex(
        /^(none|unix:\/\/\/.+|tcp:\/\/[^/]+|\/.+)$/,
        'unix:///path/to.sock, tcp://host:port, /path/to.sock or none',
      )
      .optional(),
    [ENV.dockerHost]: z.string().optional(),
    /** How long one look for labelled images (the engine's) is reused. */
    [ENV.discoveryTtl]: DurationSchema.default(15_000),
    /** Where users' homes are (a folder each); default `<data dir>/homes`. */
    [ENV.homesDir]: z.string().min(1).optional(),
    /** What a home may hold through the files API, and one upload at most (MiB, as `10Gi`). */
    [ENV.homeQuota]: MemorySchema.default(10 * 1024),
    /** Where group volumes are (a folder per volume name); default `<data dir>/volumes`. */
    [ENV.volumesDir]: z.string().min(1).optional(),
    [ENV.maxUpload]: MemorySchema.default(2 * 1024),
    /** The engine network session containers join (default: the engine's own default). */
    [ENV.containerNetwork]: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/)
      .optional(),
    [ENV.awsRegion]: z.string().default('local'),
    [ENV.trameUseHost]: z.string().optional(),
    [ENV.trameUrlPrefix]: z
      .string()
      .regex(/^\/[^?#\s]*$/, 'must start with "/"')
      .optional(),
    [ENV.authTokens]: z.string().min(1).optional(),
    ...OIDC_ENV,
    /**
     * The portal's client at the OIDC issuer (its sign-in through the issuer needs one); a secret for a confidential
     * client.
     */
    [ENV.oidcClientId]: z.string().min(1).optional(),
    [ENV.oidcClientSecret]: z.string().min(1).optional(),
    [ENV.maxHeaderBytes]: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1_048_576)
      .default(16 * 1024),
    [ENV.reaperInterval]: DurationSchema.default(30_000),
    /** The pool keeper's pass without a poke (ttl, schedule windows, the end of a backoff). */
    [ENV.poolInterval]: DurationSchema.default(5000),
    /** At most this many instances of one pool starting at once. */
    [ENV.poolBurst]: z.coerce.number().int().min(1).max(50).default(2),
    [ENV.poolStagger]: DurationSchema.default(250),
    [ENV.poolPauseAfter]: z.coerce.number().int().min(1).max(100).default(5),
    /** The backoff after a pool's first failed start; it doubles after each next one (at most 10 min). */
    [ENV.poolBackoff]: DurationSchema.default(5000),
    [ENV.www]: z.string().default('examples/www'),
    [ENV.portal]: z.enum(['on', 'off']).default('on'),
    // *.localhost resolves to loopback in browsers and curl, so each session is its own origin.
    [ENV.sessionDomain]: SessionDomainSchema.default('localhost'),
  })
  .extend(PolicyEnvSchema.shape);

/** The local server's settings: derived from the schema through the mapping below, never written out by hand. */
export type LocalConfig = ReturnType<typeof localConfigFrom>;

/**
 * Parses the local server's environment once. Every bad variable is named in one ConfigError.
 */
export function loadLocalConfig(env: Record<string, string | undefined> = process.env): LocalConfig {
  return localConfigFrom(parseEnv(LocalEnvSchema, env), env);
}

// Over 60 lines: one field per variable, each named once.
function localConfigFrom(e: z.output<typeof LocalEnvSchema>, env: Record<string, string | undefined>) {
  return {
    port: e[ENV.port],
    host: e[ENV.host],
    appsFile: e[ENV.appsFile],
    dataDir: e[ENV.dataDir],
    publicUrl: e[ENV.publicUrl],
    portRange: e[ENV.portRange],
    sessionHost: e[ENV.sessionHost],
    stopGraceMs: e[ENV.stopGrace],
    dynamodbEndpoint: e[ENV.dynamodbEndpoint],
    tableName: e[ENV.tableName],
    logLevel: e[ENV.logLevel],
    maxBodyBytes: e[ENV.maxBodyBytes],
    /** At most one lastActivityAt write per session per interval (router). */
    activityIntervalMs: e[ENV.activityInterval],
    /** An open socket counts as use only this long after the client last sent anything. */
    socketInputIdleMs: e[ENV.socketInputIdle],
    livenessIntervalMs: e[ENV.livenessInterval],
    eventKeepaliveMs: e[ENV.eventKeepalive],
    usageRetentionMs: e[ENV.usageRetention],
    /** How long the router reuses a session lookup. */
    lookupCacheMs: e[ENV.lookupCache],
    region: e[ENV.awsRegion],
    trameUseHost: e[ENV.trameUseHost],
    trameUrlPrefix: e[ENV.trameUrlPrefix],
    /** A tokens file of more users (token → user, role). */
    authTokensFile: e[ENV.authTokens],
    /** JWTs of this OIDC issuer are accepted beside the tokens file. */
    oidc: oidcFrom(e),
    /** The portal signs in through the issuer as this client (authorization code + PKCE). */
    oidcClient: e[ENV.oidcClientId]
      ? { clientId: e[ENV.oidcClientId], clientSecret: e[ENV.oidcClientSecret] }
      : undefined,
    maxHeaderBytes: e[ENV.maxHeaderBytes],
    /** How often the local reaper runs. */
    reaperIntervalMs: e[ENV.reaperInterval],
    /** The warm pools' keeper. */
    pools: {
      intervalMs: e[ENV.poolInterval],
      burst: e[ENV.poolBurst],
      staggerMs: e[ENV.poolStagger],
      pauseAfter: e[ENV.poolPauseAfter],
      backoffBaseMs: e[ENV.poolBackoff],
    },
    /**
     * The container engine's address as configured (SESSIONPLANE_CONTAINER_HOST, else DOCKER_HOST); resolved at
     * start-up.
     */
    containerHost: e[ENV.containerHost] ?? e[ENV.dockerHost],
    containerNetwork: e[ENV.containerNetwork],
    discoveryTtlMs: e[ENV.discoveryTtl],
    homesDir: e[ENV.homesDir],
    homeQuotaBytes: e[ENV.homeQuota] * 1024 * 1024,
    volumesDir: e[ENV.volumesDir],
    maxUploadBytes: e[ENV.maxUpload] * 1024 * 1024,
    /** Static pages served at / (the demo page); `none` serves none. */
    www: e[ENV.www],
    portal: e[ENV.portal] === 'on',
    /** Sessions served at `<id>.<sessionDomain>`; undefined: path mode (`/s/<id>/`). */
    sessionDomain: sessionDomainOf(e[ENV.sessionDomain]),
    ...policyFrom(e),
    /** A wslink launcher file's own server settings (functions/local/launcher-file.ts fills them in). */
    launcher: {} as LauncherServerSettings,
    /** Which of the settings an apps file may also give the environment gave (it wins). */
    givenByEnv: { www: env[ENV.www] !== undefined, portRange: env[ENV.portRange] !== undefined },
    /** The part of the server's environment a session process inherits. */
    inheritedEnv: Object.fromEntries(INHERITED_ENV.flatMap((k) => (env[k] ? [[k, env[k]]] : []))),
    /** Where apps' `env:` secrets are read from (the server's own environment); never handed on whole. */
    secretEnv: env,
  };
}

const RouterEnvSchema = z.object({
  [ENV.port]: z.coerce.number().int().min(0).max(65535).default(8080),
  [ENV.host]: z.string().min(1).default('0.0.0.0'),
  [ENV.appsFile]: z.string().min(1),
  [ENV.tableName]: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/),
  [ENV.dynamodbEndpoint]: z.url().optional(),
  [ENV.awsRegion]: z.string().min(1),
  [ENV.publicUrl]: z.url(),
  [ENV.lookupCache]: DurationSchema.default(2000),
  [ENV.activityInterval]: DurationSchema.default(30_000),
  [ENV.socketInputIdle]: DurationSchema.default(3600_000),
  [ENV.eventKeepalive]: DurationSchema.default(15_000),
  // The proxies in front of the router service that append to X-Forwarded-For (ALB: 1; CloudFront and ALB: 2).
  [ENV.proxyHops]: z.coerce.number().int().min(1).max(5).default(1),
  [ENV.logLevel]: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  [ENV.trameUrlPrefix]: z
    .string()
    .regex(/^\/[^?#\s]*$/, 'must start with "/"')
    .optional(),
  [ENV.sessionDomain]: SessionDomainSchema.optional(),
  // The API's issuer: the router service streams GET /sessions/{id}/events to API callers (API Gateway cannot).
  ...OIDC_ENV,
  // The portal (on the sessions' origin): the API it calls as each user, its cookies' key, its client at the issuer.
  [ENV.apiUrl]: z.url().optional(),
  [ENV.portalKey]: z.string().min(32, 'at least 32 characters (or 64 hex digits)').optional(),
  [ENV.oidcClientId]: z.string().min(1).optional(),
  [ENV.oidcClientSecret]: z.string().min(1).optional(),
  [ENV.www]: z.string().default('none'),
  [ENV.filesService]: z.url().optional(), // the files service beside it in its task: where /homes/me/files goes
});

/** The standalone router's settings, derived from its schema through the mapping below. */
export type RouterConfig = ReturnType<typeof routerConfigFrom>;

/** Parses the standalone router's environment (the Fargate service). */
export function loadRouterConfig(env: Record<string, string | undefined> = process.env): RouterConfig {
  return routerConfigFrom(parseEnv(RouterEnvSchema, env));
}

function routerConfigFrom(e: z.output<typeof RouterEnvSchema>) {
  return {
    port: e[ENV.port],
    host: e[ENV.host],
    appsFile: e[ENV.appsFile],
    tableName: e[ENV.tableName],
    dynamodbEndpoint: e[ENV.dynamodbEndpoint],
    region: e[ENV.awsRegion],
    publicUrl: e[ENV.publicUrl],
    trameUrlPrefix: e[ENV.trameUrlPrefix],
    lookupCacheMs: e[ENV.lookupCache],
    activityIntervalMs: e[ENV.activityInterval],
    socketInputIdleMs: e[ENV.socketInputIdle],
    eventKeepaliveMs: e[ENV.eventKeepalive],
    proxyHops: e[ENV.proxyHops],
    logLevel: e[ENV.logLevel],
    sessionDomain: sessionDomainOf(e[ENV.sessionDomain]),
    oidc: oidcFrom(e),
    oidcClient: e[ENV.oidcClientId]
      ? { clientId: e[ENV.oidcClientId], clientSecret: e[ENV.oidcClientSecret] }
      : undefined,
    portal: portalFrom(e),
    /** The web client's folder (in the image), served beside the portal; `none`: no pages. */
    www: e[ENV.www],
    /** The files service in its task (`http://127.0.0.1:8081`, functions/aws/files-service.ts): /homes/me/files. */
    filesService: e[ENV.filesService],
  };
}

/** The portal needs all three: an API to call, a key for its cookies, and a client at the issuer it signs users in with. */
function portalFrom(e: z.output<typeof RouterEnvSchema>) {
  const [apiUrl, key] = [e[ENV.apiUrl], e[ENV.portalKey]];
  if (!apiUrl && !key) return undefined;
  const missing = [
    ...(apiUrl ? [] : [ENV.apiUrl]),
    ...(key ? [] : [ENV.portalKey]),
    ...(e[ENV.oidcClientId] ? [] : [ENV.oidcClientId]),
    ...(e[ENV.jwtIssuer] ? [] : [ENV.jwtIssuer]),
  ];
  if (missing.length)
    throw new ConfigError(
      'The portal is half configured',
      missing.map((n) => `${n} is not set`),
    );
  return { apiUrl: apiUrl!, key: tokenKeyOf(key!) };
}
