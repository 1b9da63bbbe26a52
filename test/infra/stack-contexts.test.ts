import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionsOf, statements, synthStack } from '../support/infra';

/**
 * #36: every context combination the deploy guide documents synthesizes, with cdk-nag's rules (synth throws on any
 * unacknowledged finding, or a rule that cannot evaluate).
 */
const COMBINATIONS: [string, Record<string, unknown>][] = [
  ['the default', {}],
  ['no NAT, with VPC endpoints', { natGateways: 0, vpcEndpoints: true }],
  ['NAT and VPC endpoints', { vpcEndpoints: true }],
  ['GPU capacity', { gpuInstanceType: 'g5.xlarge', gpuMaxInstances: 4 }],
  [
    'a certificate and a domain',
    { certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc', domainName: 'viz.example.org' },
  ],
  [
    'a session domain with its certificate',
    {
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      sessionDomain: 'sessions.example.org',
      sessionCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/def',
    },
  ],
  ['image prefixes', { imagePrefixes: '123456789012.dkr.ecr.us-east-1.amazonaws.com/apps:,ghcr.io/acme/' }],
  ['an existing VPC', { vpcId: 'vpc-0123456789abcdef0' }],
  ['an issuer of its own', { jwtIssuer: 'https://login.example.org/realms/viz', jwtAudience: 'sessionplane' }],
  ['MFA required', { mfa: 'required' }],
  ['plain HTTP, no CloudFront (testing)', { cloudFront: 'false' }],
  ['per-user limits', { maxSessionsPerUser: '3', maxCpuPerUser: '16', maxMemoryPerUser: '64Gi', maxGpusPerUser: '2' }],
];

describe('every documented context combination synthesizes, cdk-nag clean', () => {
  it.each(COMBINATIONS)(
    '%s',
    (_name, context) => {
      // An account only where a lookup needs one, as infra/app.ts gives it.
      expect(() => synthStack(context, context.vpcId ? { account: '123456789012' } : {})).not.toThrow();
    },
    120_000,
  );

  it("gives every API function the deployment's per-user limits (and none it did not set)", () => {
    const limited = synthStack({ maxSessionsPerUser: '3', maxMemoryPerUser: '64Gi' }).template;
    const apiFunctions = Object.values(limited.findResources('AWS::Lambda::Function')).filter((r) =>
      /^api-/.test(
        String(
          (r as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment
            ?.Variables?.POWERTOOLS_SERVICE_NAME,
        ),
      ),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
    expect(apiFunctions).toHaveLength(3);
    for (const f of apiFunctions) {
      expect(f.Properties.Environment.Variables).toMatchObject({
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '3',
        SESSIONPLANE_MAX_MEMORY_PER_USER: String(64 * 1024),
      });
      expect(f.Properties.Environment.Variables).not.toHaveProperty('SESSIONPLANE_MAX_CPU_PER_USER');
    }
    expect(() => synthStack({ maxMemoryPerUser: 'lots' })).toThrow(/not a memory size/);
  });

  it('without NAT, reaches every AWS service a task and the router need through endpoints, open to them alone', () => {
    const { template } = synthStack({ natGateways: 0, vpcEndpoints: true });
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) =>
      JSON.stringify((r as { Properties: { ServiceName: unknown } }).Properties.ServiceName),
    );
    for (const service of ['ecr.api', 'ecr.dkr', 'logs', 'ecs', 'kms', 's3', 'dynamodb'])
      expect(
        services.some((s) => s.includes(`.${service}`)),
        service,
      ).toBe(true);
    // The interface endpoints' security group admits HTTPS from the stack's own groups, not from a CIDR.
    const [group] = Object.values(
      template.findResources('AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: Match.stringLikeRegexp('VPC endpoints') },
      }),
    ) as {
      Properties: { SecurityGroupIngress: { FromPort: number; SourceSecurityGroupId?: unknown; CidrIp?: string }[] };
    }[];
    const ingress = group!.Properties.SecurityGroupIngress;
    expect(ingress).toHaveLength(3);
    for (const rule of ingress) {
      expect(rule.FromPort).toBe(443);
      expect(rule.SourceSecurityGroupId).toBeDefined();
      expect(rule.CidrIp).toBeUndefined();
    }
  }, 120_000);

  it("lets a custom-image app's tasks pull from the stack's own repository (its registry revisions keep that role)", () => {
    const apps = join(tmpdir(), `sp-custom-apps-${process.pid}.yml`);
    writeFileSync(apps, 'own:\n  image: ghcr.io/acme/base:1\n  customImage: true\n');
    const { template } = synthStack({ appsFile: apps });
    const pulls = statements(template).filter(
      ({ policy, statement }) =>
        /ownTaskExecutionRole/i.test(policy) && actionsOf(statement).includes('ecr:BatchGetImage'),
    );
    expect(pulls).toHaveLength(1);
    expect(JSON.stringify(pulls[0]!.statement.Resource)).toMatch(/ImagesRepository/);
  }, 120_000);
});
