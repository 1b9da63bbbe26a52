import * as z from 'zod';
import { DurationSchema } from './duration';
import { ENV } from './env-names';
import { SessionDomainSchema } from './session-domain';
import { PolicyEnvSchema } from './policy';
import { parseEnv } from './problems';

const TableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/);
const List = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()).min(1));
/** A variable holding JSON, parsed (then checked by what it is piped to). */
const JsonText = z.string().transform((s, ctx) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});
const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info');

/** Every function: where the sessions are, which apps exist, how much to log. */
const StoreEnv = z.object({
  [ENV.tableName]: TableName,
  [ENV.awsRegion]: z.string().min(1),
  [ENV.dynamodbEndpoint]: z.url().optional(),
  [ENV.appsFile]: z.string().min(1),
  [ENV.logLevel]: LogLevel,
  /** How long usage records are kept (default 400 days). */
  [ENV.usageRetention]: DurationSchema.default(400 * 24 * 3600_000),
  /** The stack's ECR repository (its URI): its labelled images are apps too. */
  [ENV.imageRepository]: z
    .string()
    .regex(
      /^\d{12}\.dkr\.ecr\.[\w-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+$/,
      'an ECR repository URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>)',
    )
    .optional(),
});

/** The API functions: URLs, who callers are (the issuer's JWTs, personal tokens), policy, the token key. */
const ApiEnv = StoreEnv.extend({
  [ENV.publicUrl]: z.url(),
  /** Where /homes/me/files is served (the router service's origin); unset: the functions answer 404 files.unavailable. */
  [ENV.filesUrl]: z.url().optional(),
  [ENV.trameUseHost]: z.string().optional(),
  [ENV.trameUrlPrefix]: z
    .string()
    .regex(/^\/[^?#\s]*$/, 'must start with "/"')
    .optional(),
  [ENV.sessionDomain]: SessionDomainSchema.optional(),
  [ENV.maxBodyBytes]: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /**
   * The issuer whose JWTs the API functions verify (Cognito's user pool, or the configured OIDC issuer), the audiences
   * a token's `aud` (or, as API Gateway's JWT authorizer, an access token's `client_id`) must name, and its key set
   * (unset: discovered at the issuer).
   */
  [ENV.jwtIssuer]: z.url(),
  [ENV.jwtAudience]: List,
  [ENV.jwtJwksUrl]: z.url().optional(),
  [ENV.userClaim]: z.string().min(1).default('sub'),
  [ENV.groupsClaim]: z.string().min(1).default('cognito:groups'),
  [ENV.adminGroup]: z.string().min(1).default('sessionplane-admins'),
})
  .extend(PolicyEnvSchema.shape)
  .extend({
    [ENV.tokenKey]: PolicyEnvSchema.shape[ENV.tokenKey].unwrap(),
    // A queued place from the queue's order as read in the last 5 s: each answer would read every waiting record.
    [ENV.queuePlaceCache]: DurationSchema.default(5_000),
  });

/** Functions that start, inspect or stop tasks. */
const EcsEnv = z.object({
  [ENV.cluster]: z.string().regex(/^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:cluster\/[\w-]+$/, 'an ECS cluster ARN'),
  [ENV.subnets]: List,
  [ENV.securityGroups]: List,
  [ENV.taskFamilyPrefix]: z.string().min(1).max(200),
  /** Each app's deployed task definition, `{"app": "family:revision"}`: pinned, since the registry adds revisions. */
  [ENV.taskDefinitions]: JsonText.pipe(
    z.record(z.string(), z.string().regex(/^[\w-]+:\d+$/, 'family:revision')),
  ).optional(),
  /** The KMS key session secrets are sealed with for apps the stack builds (their image unseals them). */
  [ENV.secretsKey]: z
    .string()
    .regex(/^arn:aws[\w-]*:kms:/, 'a KMS key ARN')
    .optional(),
  [ENV.containerName]: z.string().min(1).default('app'),
  [ENV.gpuCapacityProvider]: z.string().min(1).optional(),
  /** The EFS file system users' homes are on (their access points are made there). */
  [ENV.homesFileSystem]: z
    .string()
    .regex(/^fs-[0-9a-f]{8,40}$/, 'an EFS file system id (fs-…)')
    .optional(),
  /** Each group volume's EFS access point (the stack makes one per volume name): `{"survey": "fsap-…"}`. */
  [ENV.volumeAccessPoints]: JsonText.pipe(
    z.record(z.string(), z.string().regex(/^fsap-[0-9a-f]{8,40}$/, 'an EFS access point id (fsap-…)')),
  ).optional(),
  /** The control API's address: a session's app reports its activity there (SESSION_ACTIVITY_URL). */
  [ENV.apiUrl]: z.url().optional(),
});

/** Functions that read task logs. */
const LogsEnv = z.object({
  [ENV.logGroupPrefix]: z.string().min(1),
  [ENV.logStreamPrefix]: z.string().min(1).default('session'),
  [ENV.containerName]: z.string().min(1).default('app'),
});

/** Each function's environment, by function name: the CDK stack's tests check each against these. */
export const FUNCTION_ENV_SCHEMAS = {
  'api-read': ApiEnv.extend(LogsEnv.shape),
  'api-write': ApiEnv.extend(EcsEnv.shape),
  'api-catalog': ApiEnv,
  'task-events': StoreEnv.extend(EcsEnv.shape),
  'image-catalog': z.object({
    [ENV.tableName]: TableName,
    [ENV.awsRegion]: z.string().min(1),
    [ENV.dynamodbEndpoint]: z.url().optional(),
    [ENV.logLevel]: LogLevel,
    [ENV.imageRepository]: StoreEnv.shape[ENV.imageRepository].unwrap(),
  }),
  /** The warm pools' keeper: starts tasks, so it holds what starting needs (the token key derives their secrets). */
  pools: StoreEnv.extend(EcsEnv.shape).extend({ [ENV.tokenKey]: PolicyEnvSchema.shape[ENV.tokenKey].unwrap() }),
  /**
   * The launch queue's dispatcher: starts the launches that waited (QUEUED) as api-write would, so it holds what a
   * start needs (the token key derives their secrets) and the per-user limits and queue settings.
   */
  queue: StoreEnv.extend(EcsEnv.shape)
    .extend(PolicyEnvSchema.shape)
    .extend({ [ENV.tokenKey]: PolicyEnvSchema.shape[ENV.tokenKey].unwrap() }),
  reaper: StoreEnv.extend(EcsEnv.shape).extend({
    [ENV.reaperConcurrency]: z.coerce.number().int().min(1).max(100).default(10),
    [ENV.reaperBudget]: DurationSchema.default(50_000),
  }),
} as const;
export type FunctionName = keyof typeof FUNCTION_ENV_SCHEMAS;
export type FunctionEnv<F extends FunctionName> = z.output<(typeof FUNCTION_ENV_SCHEMAS)[F]>;

/** Parses a function's environment once, at cold start; every bad variable named in one error. */
export function loadFunctionEnv<F extends FunctionName>(
  name: F,
  env: Record<string, string | undefined> = process.env,
): FunctionEnv<F> {
  return parseEnv(FUNCTION_ENV_SCHEMAS[name], env, `Bad environment for ${name}`) as FunctionEnv<F>;
}
