import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config/env-names';
import { synthStack } from '../support/infra';

describe('the CDK stack with a session domain (#11 C1)', () => {
  it('serves each session from its own host: the wildcard certificate on the listener, the domain on the router and the API', () => {
    const cert = 'arn:aws:acm:us-east-1:123456789012:certificate/sessions';
    const { template } = synthStack({
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      domainName: 'viz.example.org',
      sessionDomain: 'sessions.example.org',
      sessionCertificateArn: cert,
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerCertificate', {
      Certificates: [{ CertificateArn: cert }],
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: ENV.sessionDomain, Value: 'sessions.example.org' }]),
        }),
      ]),
    });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const env =
        (fn as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment
          ?.Variables ?? {};
      if (ENV.publicUrl in env) expect(env[ENV.sessionDomain]).toBe('sessions.example.org');
    }
    expect(JSON.stringify(template.findOutputs('*'))).toContain('*.sessions.example.org');
  }, 120_000);

  it('refuses a session certificate without HTTPS or without a session domain', () => {
    expect(() =>
      synthStack({
        sessionDomain: 'sessions.example.org',
        sessionCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/x',
      }),
    ).toThrow(/needs certificateArn/);
    expect(() =>
      synthStack({
        certificateArn: 'arn:aws:acm:us-east-1:1:certificate/a',
        sessionCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/x',
      }),
    ).toThrow(/needs sessionDomain/);
  });
});
