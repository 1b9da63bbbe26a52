import type { App } from 'aws-cdk-lib';
import * as z from 'zod';
import { CommaListSchema, MemorySchema } from '../shared/config/duration';

/** The deployment's settings, from CDK context (`cdk.json`, or `-c key=value`). */
export const InfraConfigSchema = z
  .object({
    /** The region to deploy to (ALB access logs need a concrete one); no account is needed to synth. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/)
      .default('us-east-1'),
    /** The apps file; every app with an `image` gets a task definition. */
    appsFile: z.string().default('examples/apps/apps.yml'),
    /** An existing VPC (looked up: needs credentials); unset: a new one. */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]+$/)
      .optional(),
    /** NAT gateways of a new VPC, for image pulls from public registries (0 with vpcEndpoints for ECR only). */
    natGateways: z.coerce.number().int().min(0).max(3).default(1),
    /** Interface endpoints for ECR and CloudWatch Logs, gateway endpoints for S3 and DynamoDB. */
    vpcEndpoints: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
    /** The router's certificate (ACM): HTTPS on 443, HTTP redirected. Unset: HTTP only (testing). */
    certificateArn: z.string().startsWith('arn:aws').optional(),
    /**
     * Without a certificate: HTTPS on CloudFront's own domain in front of the router (the default, so that a first deploy
     * has HTTPS and the portal with no domain of one's own), or `false`: plain HTTP on the load balancer (testing).
     */
    cloudFront: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(true),
    /** The host name users reach the router at (point it at the ALB); the URLs sessions get use it. */
    domainName: z.string().optional(),
    /**
     * Each session's own origin: `<id>.<sessionDomain>` (point the wildcard `*.<sessionDomain>` at the
     * ALB). Strongly advised: without it sessions share the router's origin (path mode, see README).
     */
    sessionDomain: z
      .string()
      .regex(
        /^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        'a DNS name such as sessions.example.org',
      )
      .optional(),
    /**
     * An ACM certificate for `*.<sessionDomain>`, added to the router's HTTPS listener (if its own certificate does not
     * cover it).
     */
    sessionCertificateArn: z.string().startsWith('arn:aws').optional(),
    /** An OIDC issuer and audience for the API's JWT authorizer; unset: a Cognito user pool is made. */
    jwtIssuer: z.url().optional(),
    jwtAudience: z.string().optional(),
    /**
     * The portal's client at that issuer (code + PKCE, public; its redirect URI
     * `<router URL>/sign-in/oidc/callback`), whose ID tokens the API then accepts too. With the
     * Cognito pool the stack makes, its own portal client, when the router serves HTTPS.
     */
    portalClientId: z.string().optional(),
    userClaim: z.string().default('sub'),
    adminGroup: z.string().default('sessionplane-admins'),
    /** The stack's own user pool: `optional` (the default: a first user signs in with a password) or `required` (TOTP). */
    mfa: z.enum(['optional', 'required']).default('optional'),
    /** GPU capacity: an Auto Scaling group of this instance type (ECS GPU AMI), from zero. */
    gpuInstanceType: z
      .string()
      .regex(/^[a-z0-9]+\.[a-z0-9]+$/)
      .optional(),
    gpuMaxInstances: z.coerce.number().int().min(1).max(100).default(2),
    logRetentionDays: z.coerce.number().int().default(30),
    taskFamilyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('sessionplane-'),
    routerMinCount: z.coerce.number().int().min(1).default(2),
    routerMaxCount: z.coerce.number().int().min(1).default(10),
    /**
     * Each user's limits (live sessions, vCPUs, memory such as `32Gi`, GPUs), as `npm start`'s
     * SESSIONPLANE_MAX_*_PER_USER; unset, the same defaults (5 sessions, 8 vCPUs, 32 GiB, 1 GPU).
     */
    maxSessionsPerUser: z.coerce.number().int().min(1).max(10_000).optional(),
    maxJobsPerUser: z.coerce.number().int().min(1).max(10_000).optional(),
    maxCpuPerUser: z.coerce.number().positive().max(100_000).optional(),
    maxMemoryPerUser: MemorySchema.optional(),
    maxGpusPerUser: z.coerce.number().int().min(0).max(10_000).optional(),
    /**
     * Requests a second and burst for the whole HTTP API (each user has their own limit besides, SESSIONPLANE_RATE_LIMIT).
     * Sized for a class of 2,000 whose clients poll every 2 s while their sessions start (about 300 a second at the
     * peak, docs/reference/capacity.md); 50 and 100 refused 77 % of that rush's requests (#40).
     */
    apiRateLimit: z.coerce.number().int().min(1).default(1000),
    apiBurstLimit: z.coerce.number().int().min(1).default(2000),
    /**
     * Image prefixes (comma-separated, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/sessionplane-apps:`)
     * from which users may launch their own image in an app that allows it (`customImage`). Unset: none.
     */
    imagePrefixes: CommaListSchema,
    /** Origins of browser frontends that call the launcher or the API (CORS), comma-separated. */
    corsOrigins: CommaListSchema,
    trameUseHost: z.string().optional(),
    trameUrlPrefix: z.string().optional(),
    /**
     * The web client the router service serves beside the portal (SESSIONPLANE_WWW, a folder with `index.html`, built
     * into its image): `/<app>.html` for each app with `client: www`.
     */
    www: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.sessionCertificateArn && !c.certificateArn)
      ctx.addIssue({
        code: 'custom',
        path: ['sessionCertificateArn'],
        message: 'needs certificateArn: the router serves HTTPS only with its own certificate',
      });
    if (c.sessionCertificateArn && !c.sessionDomain)
      ctx.addIssue({ code: 'custom', path: ['sessionCertificateArn'], message: 'needs sessionDomain' });
  });
export type InfraConfig = z.infer<typeof InfraConfigSchema>;

export function infraConfig(app: App, defaults: { region?: string | undefined } = {}): InfraConfig {
  const raw = {
    ...defaults,
    ...Object.fromEntries(
      Object.keys(InfraConfigSchema.shape)
        .map((k) => [k, app.node.tryGetContext(k)])
        .filter(([, v]) => v !== undefined && v !== ''),
    ),
  };
  const parsed = InfraConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `Bad context:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  return parsed.data;
}
