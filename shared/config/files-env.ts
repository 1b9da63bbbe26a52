import * as z from 'zod';
import { MemorySchema } from './duration';
import { ENV } from './env-names';
import { OIDC_ENV } from './env';
import { parseEnv } from './problems';

const FilesEnvSchema = z.object({
  [ENV.port]: z.coerce.number().int().min(0).max(65535).default(8081),
  // Only the router beside it in its task reaches it: localhost, never the task's network interface.
  [ENV.host]: z.string().min(1).default('127.0.0.1'),
  [ENV.tableName]: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/),
  [ENV.dynamodbEndpoint]: z.url().optional(),
  [ENV.awsRegion]: z.string().min(1),
  // Where the homes file system's `/homes` is mounted (its access point for this service).
  [ENV.homesDir]: z.string().min(1),
  [ENV.homeQuota]: MemorySchema.default(10 * 1024),
  [ENV.maxUpload]: MemorySchema.default(2 * 1024),
  [ENV.logLevel]: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  ...OIDC_ENV,
  [ENV.jwtIssuer]: z.url(),
  // The API's audiences (its client's and the portal's), as the API functions take them: a comma-separated list.
  [ENV.jwtAudience]: z
    .string()
    .min(1)
    .transform((s) =>
      s
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    ),
});

/** The files service's settings (functions/aws/files-service.ts, beside the router in its task). */
export type FilesConfig = ReturnType<typeof filesConfigFrom>;

function filesConfigFrom(e: z.output<typeof FilesEnvSchema>) {
  return {
    port: e[ENV.port],
    host: e[ENV.host],
    tableName: e[ENV.tableName],
    dynamodbEndpoint: e[ENV.dynamodbEndpoint],
    region: e[ENV.awsRegion],
    homesDir: e[ENV.homesDir],
    homeQuotaBytes: e[ENV.homeQuota] * 1024 * 1024,
    maxUploadBytes: e[ENV.maxUpload] * 1024 * 1024,
    logLevel: e[ENV.logLevel],
    /** The API's issuer, as the API functions verify it (API Gateway's `client_id` rule for Cognito access tokens). */
    oidc: {
      issuer: e[ENV.jwtIssuer],
      audience: e[ENV.jwtAudience],
      clientIdAudience: true,
      ...(e[ENV.jwtJwksUrl] ? { jwksUrl: e[ENV.jwtJwksUrl] } : {}),
      userClaim: e[ENV.userClaim],
      groupsClaim: e[ENV.groupsClaim],
      adminGroup: e[ENV.adminGroup],
    },
  };
}

/** Parses the files service's environment. */
export function loadFilesConfig(env: Record<string, string | undefined> = process.env): FilesConfig {
  return filesConfigFrom(parseEnv(FilesEnvSchema, env));
}
