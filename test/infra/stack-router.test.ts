import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthStack, apiFunctionEnv } from '../support/infra';

/** The session router's part of the stack: its load balancer, its issuer, what may reach the sessions. */
describe('the CDK stack: the session router', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthStack({
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      domainName: 'viz.example.org',
    }));
  }, 120_000);

  it('puts the router behind an ALB: idle timeout ≥ 300 s, HTTPS with HTTP redirected, health check, autoscaling', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '3600' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', Port: 443 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTP',
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS' }) })],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/healthz' });
    expect(
      Object.keys(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("gives the router the API's issuer, so it can stream GET /sessions/{id}/events to API callers (#15)", () => {
    const routerDefs = template.findResources('AWS::ECS::TaskDefinition', {
      Properties: { ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: 'web' })]) },
    });
    const env = Object.values(routerDefs).flatMap(
      (d) =>
        (d as { Properties: { ContainerDefinitions: { Environment?: { Name: string; Value: unknown }[] }[] } })
          .Properties.ContainerDefinitions[0]!.Environment ?? [],
    );
    const names = env.map((e) => e.Name);
    expect(names).toEqual(
      expect.arrayContaining([
        'SESSIONPLANE_JWT_ISSUER',
        'SESSIONPLANE_JWT_AUDIENCE',
        'SESSIONPLANE_USER_CLAIM',
        'SESSIONPLANE_GROUPS_CLAIM',
      ]),
    );
    // The same issuer as the API functions verify (here the stack's own user pool).
    const issuer = env.find((e) => e.Name === 'SESSIONPLANE_JWT_ISSUER')!.Value;
    expect(issuer).toEqual(apiFunctionEnv(template, 'api-read', 'SESSIONPLANE_JWT_ISSUER'));
    expect(JSON.stringify(issuer)).toContain('cognito-idp');
  });

  it('runs the files service beside the router (#38): it alone mounts the homes, as root, on localhost; the API sends callers there', () => {
    type Container = {
      Name: string;
      User?: string;
      Command?: string[];
      MountPoints?: { ContainerPath: string; SourceVolume: string }[];
      Environment?: { Name: string; Value: unknown }[];
      DependsOn?: { ContainerName: string; Condition: string }[];
    };
    const [def] = Object.values(
      template.findResources('AWS::ECS::TaskDefinition', {
        Properties: { ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: 'files' })]) },
      }),
    ) as { Properties: { ContainerDefinitions: Container[]; Volumes: unknown[] } }[];
    const byName = Object.fromEntries(def!.Properties.ContainerDefinitions.map((c) => [c.Name, c]));
    const [web, files] = [byName.web!, byName.files!];
    const envOf = (c: Container) => Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]));
    // The router: no mount, runs as the image's user, sends /homes/me/files to localhost, once the files service runs.
    expect(web.MountPoints ?? []).toEqual([]);
    expect(web.User).toBeUndefined();
    expect(envOf(web).SESSIONPLANE_FILES_SERVICE).toBe('http://127.0.0.1:8081');
    expect(web.DependsOn).toEqual([{ ContainerName: 'files', Condition: 'START' }]);
    // The files service: the same image, root (to chown to each home's owner), on localhost, the homes at /mnt/homes.
    expect(files.Command).toEqual(['node', '--import', 'tsx', 'functions/aws/files-service.ts']);
    expect(files.User).toBe('0');
    expect(files.MountPoints).toEqual([
      expect.objectContaining({ ContainerPath: '/mnt/homes', SourceVolume: 'homes' }),
    ]);
    const env = envOf(files);
    expect(env).toMatchObject({ HOST: '127.0.0.1', PORT: '8081', SESSIONPLANE_HOMES_DIR: '/mnt/homes' });
    expect(env.SESSIONPLANE_JWT_ISSUER).toEqual(apiFunctionEnv(template, 'api-read', 'SESSIONPLANE_JWT_ISSUER'));
    expect(env.SESSIONPLANE_JWT_AUDIENCE).toEqual(apiFunctionEnv(template, 'api-read', 'SESSIONPLANE_JWT_AUDIENCE'));
    // Through its own access point on /homes (never /volumes), over TLS, with IAM.
    expect(def!.Properties.Volumes).toEqual([
      {
        Name: 'homes',
        EFSVolumeConfiguration: {
          FilesystemId: { Ref: expect.stringMatching(/^HomesFileSystem/) },
          TransitEncryption: 'ENABLED',
          AuthorizationConfig: {
            AccessPointId: { Ref: expect.stringMatching(/^HomesFileSystemFiles/) },
            IAM: 'ENABLED',
          },
        },
      },
    ]);
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '0', Gid: '0' },
      RootDirectory: Match.objectLike({ Path: '/homes' }),
    });
    // The API functions answer 307 to the router's origin, where files are served.
    for (const fn of ['api-read', 'api-write'])
      expect(apiFunctionEnv(template, fn, 'SESSIONPLANE_FILES_URL')).toEqual(
        apiFunctionEnv(template, fn, 'SESSIONPLANE_PUBLIC_URL'),
      );
    expect(apiFunctionEnv(template, 'api-read', 'SESSIONPLANE_FILES_URL')).toBe('https://viz.example.org');
  });

  it('opens session task ports to the router and the probe only', () => {
    type Rule = { FromPort: number; SourceSecurityGroupId?: unknown; CidrIp?: string };
    // CDK writes rules inline on the group, or as separate resources when groups refer to each other.
    const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r) => (r as { Properties: Rule & { GroupId: unknown } }).Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes('SessionsSg'));
    const inline = Object.entries(template.findResources('AWS::EC2::SecurityGroup'))
      .filter(([id]) => id.includes('SessionsSg'))
      .flatMap(
        ([, r]) => (r as { Properties: { SecurityGroupIngress?: Rule[] } }).Properties.SecurityGroupIngress ?? [],
      );
    const ingress: Rule[] = [...separate, ...inline];
    expect(new Set(ingress.map((p) => p.FromPort))).toEqual(new Set([8080, 8888, 9000]));
    for (const p of ingress) {
      expect(p.CidrIp).toBeUndefined();
      expect(JSON.stringify(p.SourceSecurityGroupId)).toMatch(/RouterSg|ProbeSg/);
    }
  });
});
