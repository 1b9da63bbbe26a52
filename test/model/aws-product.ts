import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbQuotaStore } from '../../shared/adapters/dynamodb/dynamodb-quota-store';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { DynamoDbUsageStore } from '../../shared/adapters/dynamodb/dynamodb-usage-store';
import { isLive } from '../../shared/domain/session';
import { freePort } from '../support/dynamodb-local';
import { startHttpApi } from '../support/http-api';
import { motoUsers } from '../support/moto-cognito';
import { deliverEvents, deployOnMoto, type MotoDeployment, REGION } from '../support/moto-deployment';
import { waitFor } from '../support/wait';
import { MODEL_CAP, MODEL_JOB, MODEL_JOB_CAP, MODEL_USERS, type ModelApp, type ModelUser } from './local-product';
import { callRemembering, openRemembering } from './product-http';
import type { Product } from './product-model';

const DEMO = resolve('examples/apps');

/** The model's apps as the AWS composition runs them: each an image (the demo image's echo), none open to visitors. */
export const AWS_MODEL_APPS = ['echo', 'notes', 'sized', 'hidden', 'pooled'] as const satisfies readonly ModelApp[];

function appsFile(port: number): string {
  const echo = {
    cmd: ['node', 'echo-ws.mjs', '--host', '${host}', '--port', '${port}'],
    port,
    ready: { tcp: true },
    resources: { cpu: 0.25, memory: '512Mi' },
  };
  const image = { image: 'registry.example.org/sessionplane/echo:1' };
  const built = { build: DEMO };
  return stringify({
    echo: { ...echo, ...image },
    notes: { ...echo, ...built, home: '/home/user' },
    sized: {
      ...echo,
      ...image,
      limits: { cpu: 1, memory: '2Gi' },
      profiles: { small: { resources: { cpu: 0.5, memory: '1Gi' } } },
      // Limits its users choose (#37), as on one machine.
      idleTimeout: { default: '10m', min: '1m', max: 'never' },
      maxLifetime: { default: '1h', min: '10m', max: '8h' },
    },
    hidden: { ...echo, ...image, access: { groups: ['viz'] } },
    pooled: { ...echo, ...built, pool: { min: 1 } },
    // A batch job (#37): a task that runs two short items and exits with its EXIT_CODE.
    [MODEL_JOB]: {
      kind: 'job',
      ...built,
      cmd: ['node', 'batch.mjs'],
      params: {
        ITEMS: { type: 'integer', default: 2 },
        ITEM_MS: { type: 'integer', default: 100 },
        EXIT_CODE: { type: 'integer', min: 0, max: 255, default: 0 },
      },
      resources: { cpu: 0.25, memory: '512Mi' },
    },
  });
}

/**
 * The product as it runs on AWS, for the model-based test: the stack deployed on moto 5.2.3 (the bundles, the router
 * service, the stand-in ECS agent, IAM enforced), EventBridge's events and schedules running, its HTTP API verifying
 * each user's Cognito token (moto's) as API Gateway's authorizer does. Its doors: the REST API, the wslink launcher
 * and skaha (the portal on AWS signs in at Cognito's hosted pages, which moto has not). A restart is a cold start of
 * the control plane.
 */
export class AwsProduct implements Product {
  readonly pages = false;
  readonly serverErrors: string[] = [];
  url = '';
  store!: DynamoDbSessionStore;
  private client!: ReturnType<typeof createDocumentClient>;
  private tokens: Record<ModelUser, string> = {} as Record<ModelUser, string>;
  private closers: (() => Promise<unknown>)[] = [];

  private constructor(
    private readonly d: MotoDeployment,
    private readonly dir: string,
  ) {}

  static async start(): Promise<AwsProduct> {
    const dir = mkdtempSync(join(tmpdir(), 'sp-aws-model-'));
    writeFileSync(join(dir, 'apps.yml'), appsFile(await freePort()));
    let pool: Awaited<ReturnType<typeof motoUsers>> | undefined;
    const groups = Object.fromEntries(
      Object.entries(MODEL_USERS).map(([u, spec]) => [
        u,
        'role' in spec ? ['sessionplane-admins'] : 'groups' in spec ? [...spec.groups] : [],
      ]),
    );
    const d = await deployOnMoto(join(dir, 'apps.yml'), {
      enforceIam: true,
      // The stack's user pool and the model's users, each in their groups, signed in (their access tokens).
      prepare: async (endpoint, stack) => {
        const cli = Object.entries(stack.resources).find(
          ([id, r]) => r.Type === 'AWS::Cognito::UserPoolClient' && id.startsWith('IdentityUsersCli'),
        )![1];
        pool = await motoUsers(endpoint, REGION, cli.Properties!.ExplicitAuthFlows as string[], groups);
        // The functions verify the pool's tokens themselves, as they would Cognito's (its access tokens' client_id).
        return {
          SESSIONPLANE_JWT_ISSUER: pool.issuer,
          SESSIONPLANE_JWT_JWKS_URL: pool.jwksUrl,
          SESSIONPLANE_JWT_AUDIENCE: pool.clientId,
        };
      },
      // Owners by user name, as the model names them (the default is the token's sub); the model's cap per user.
      context: {
        userClaim: 'username',
        maxSessionsPerUser: MODEL_CAP,
        maxJobsPerUser: MODEL_JOB_CAP,
        maxCpuPerUser: 16,
        maxMemoryPerUser: '64Gi',
      },
      // The invariants read every list of every user after each step: far above people's pace.
      functionEnv: { SESSIONPLANE_RATE_LIMIT: '1000000' },
    });
    const p = new AwsProduct(d, dir);
    p.client = createDocumentClient({ endpoint: d.dynamodbEndpoint, region: 'local' });
    p.store = new DynamoDbSessionStore(p.client, 'sessions');
    p.closers.push(deliverEvents(d, { schedules: true }));
    p.tokens = pool!.tokens as Record<ModelUser, string>;
    const api = await startHttpApi({ functions: d.fns });
    p.closers.push(api.close);
    p.url = api.url;
    return p;
  }

  quotas() {
    return new DynamoDbQuotaStore(this.client, 'sessions');
  }

  usage() {
    return new DynamoDbUsageStore(this.client, 'sessions', 86_400_000);
  }

  /** The sessions whose task still has its process (ECS would say: not yet STOPPED). */
  processes(): string[] {
    return this.d.agent
      .processes()
      .filter((t) => !t.exited)
      .map((t) => t.startedBy.replace(/^sp-/, ''));
  }

  async stop(): Promise<number | null> {
    await this.d.coldStart();
    return 0;
  }

  async boot(): Promise<void> {}

  call(
    who: ModelUser | null,
    path: string,
    init: RequestInit & { form?: boolean; allow503?: boolean } = {},
  ): Promise<Response> {
    return callRemembering(this.url, who ? this.tokens[who] : undefined, who, path, init, this.serverErrors);
  }

  page(): Promise<Response> {
    throw new Error('no portal pages on the AWS composition here (its sign-in is Cognito’s hosted pages)');
  }

  portalApi(): Promise<Response> {
    throw new Error('no portal on the AWS composition here');
  }

  open(url: string): Promise<Response> {
    return openRemembering(url, this.serverErrors);
  }

  /** Between sequences: every user's live sessions stopped, and their tasks gone, so the next starts as from nothing. */
  async reset(): Promise<void> {
    for (const user of Object.keys(MODEL_USERS) as ModelUser[])
      for (const s of (await this.store.listByOwner(user, { limit: 100 })).items)
        if (isLive(s.status) && s.status !== 'STOPPING')
          await this.call(user, `/sessions/${s.id}`, { method: 'DELETE' });
    await waitFor(
      async () => {
        for (const user of Object.keys(MODEL_USERS) as ModelUser[])
          if ((await this.store.listByOwner(user, { limit: 100 })).items.some((s) => isLive(s.status))) return false;
        return true;
      },
      60_000,
      'every session of the last sequence ended',
    );
    this.serverErrors.length = 0;
  }

  log(): string {
    return this.d.agent
      .processes()
      .slice(-3)
      .map((t) => `${t.taskArn}: ${t.output.slice(-500)}`)
      .join('\n');
  }

  async dispose(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
    this.client.destroy();
    await this.d.close();
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.d.stack.outdir, { recursive: true, force: true });
  }
}
