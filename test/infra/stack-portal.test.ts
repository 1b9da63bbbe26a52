import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, statements, synthStack, apiFunctionEnv } from '../support/infra';

type ContainerDef = {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
};

/** The router's container definition (the service's `web` container). */
function routerContainer(template: Template): ContainerDef {
  const defs = template.findResources('AWS::ECS::TaskDefinition', {
    Properties: { ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: 'web' })]) },
  });
  return (Object.values(defs)[0] as { Properties: { ContainerDefinitions: ContainerDef[] } }).Properties
    .ContainerDefinitions[0]!;
}

/** The portal on AWS: served by the router service, signed in through Cognito (code + PKCE), calling the HTTP API as each user. */
describe('the CDK stack: the portal on the router service', () => {
  let https: Template;
  let byDefault: Template;
  let plain: Template;
  beforeAll(() => {
    ({ template: https } = synthStack({
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      domainName: 'viz.example.org',
    }));
    ({ template: byDefault } = synthStack());
    ({ template: plain } = synthStack({ cloudFront: 'false' }));
  }, 180_000);

  it('makes a public Cognito client for the portal: the code flow only, back to the router over https, and a sign-in domain', () => {
    https.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid']),
      CallbackURLs: ['https://viz.example.org/sign-in/oidc/callback'],
      GenerateSecret: false,
    });
    expect(Object.keys(https.findResources('AWS::Cognito::UserPoolDomain'))).toHaveLength(1);
    // The API functions take the portal's ID tokens beside the CLI client's: two audiences.
    for (const fn of ['api-read', 'api-write', 'api-catalog']) {
      const audience = JSON.stringify(apiFunctionEnv(https, fn, 'SESSIONPLANE_JWT_AUDIENCE'));
      expect(audience).toMatch(/IdentityUsersCli/);
      expect(audience).toMatch(/Portal/);
    }
  });

  it("gives the router the API's URL, the portal's client and its cookie key as a secret, and no new permission", () => {
    const web = routerContainer(https);
    const env = Object.fromEntries((web.Environment ?? []).map((e) => [e.Name, e.Value]));
    expect(JSON.stringify(env.SESSIONPLANE_API_URL)).toContain('HttpApi');
    expect(JSON.stringify(env.SESSIONPLANE_OIDC_CLIENT_ID)).toContain('Portal');
    expect(env.SESSIONPLANE_PORTAL_KEY).toBeUndefined(); // never in plain environment
    expect(web.Secrets?.map((s) => s.Name)).toEqual(['SESSIONPLANE_PORTAL_KEY']);
    // The task role may read and touch sessions and record a sign-out (signout# keys only); for its files service
    // (#38), read tokens and uids and allocate one (by key), and mount the homes through its access point; no more:
    // it starts nothing, it reads no secret itself.
    const taskRole = Object.entries(https.findResources('AWS::IAM::Role')).find(([id]) =>
      /RouterServiceTaskDefTaskRole/.test(id),
    )![0];
    const mine = statements(https).filter(({ policy }) =>
      JSON.stringify(https.findResources('AWS::IAM::Policy')[policy]).includes(taskRole),
    );
    expect(mine.length).toBeGreaterThan(0);
    for (const { statement } of mine)
      for (const action of actionsOf(statement)) {
        if (action === 'dynamodb:PutItem')
          expect(JSON.stringify(statement)).toMatch(/"dynamodb:LeadingKeys":\["(signout|user)#\*"\]/);
        else if (action.startsWith('elasticfilesystem:')) {
          expect(action).toMatch(/^elasticfilesystem:Client(Mount|Write|RootAccess)$/);
          expect(JSON.stringify(statement.Condition)).toMatch(
            /"elasticfilesystem:AccessPointArn":.*access-point\/",\{"Ref":"HomesFileSystemFiles/,
          );
        } else expect(action).toMatch(/^dynamodb:(GetItem|UpdateItem)$/);
      }
  });

  it('with no context at all: HTTPS on CloudFront’s domain in front of the router, and the portal signed in there', () => {
    const distributions = byDefault.findResources('AWS::CloudFront::Distribution');
    expect(Object.keys(distributions)).toHaveLength(1);
    const [id] = Object.keys(distributions);
    byDefault.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          // Managed policies: CachingDisabled, AllViewer (the router's tokens, cookies and upgrades pass).
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
          OriginRequestPolicyId: '216adef6-5c7f-47e4-b989-5492eafa07d3',
        }),
      }),
    });
    const domain = { 'Fn::GetAtt': [id, 'DomainName'] };
    const https = { 'Fn::Join': ['', ['https://', domain]] };
    // The router's own address, the Cognito callback and the portal are that HTTPS address.
    const env = routerContainer(byDefault).Environment ?? [];
    expect(env).toContainEqual({ Name: 'SESSIONPLANE_PUBLIC_URL', Value: https });
    expect(env).toContainEqual({ Name: 'SESSIONPLANE_PROXY_HOPS', Value: '2' });
    expect(env.map((e) => e.Name)).toContain('SESSIONPLANE_API_URL');
    expect(routerContainer(byDefault).Secrets?.map((x) => x.Name)).toEqual(['SESSIONPLANE_PORTAL_KEY']);
    byDefault.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: [{ 'Fn::Join': ['', ['https://', domain, '/sign-in/oidc/callback']] }],
    });
    expect(Object.keys(byDefault.findResources('AWS::Cognito::UserPoolDomain'))).toHaveLength(1);
    expect(byDefault.toJSON().Outputs).toHaveProperty(
      Object.keys(byDefault.toJSON().Outputs).find((k) => k.startsWith('RouterPortalUrl'))!,
    );
  });

  it('by default the load balancer answers only CloudFront (its secret header); anything else gets 403', () => {
    byDefault.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      DefaultActions: [
        Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) }),
      ],
    });
    byDefault.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 1,
      Conditions: [
        Match.objectLike({
          Field: 'http-header',
          HttpHeaderConfig: Match.objectLike({ HttpHeaderName: 'x-sessionplane-origin' }),
        }),
      ],
      Actions: [Match.objectLike({ Type: 'forward' })],
    });
    const origin = JSON.stringify(byDefault.findResources('AWS::CloudFront::Distribution'));
    expect(origin).toContain('x-sessionplane-origin');
    expect(origin).toContain('{{resolve:secretsmanager:');
  });

  it('serves no portal with cloudFront=false and no certificate: Cognito takes https callbacks only', () => {
    expect(Object.keys(plain.findResources('AWS::CloudFront::Distribution'))).toHaveLength(0);
    expect(Object.keys(plain.findResources('AWS::Cognito::UserPoolDomain'))).toHaveLength(0);
    const names = (routerContainer(plain).Environment ?? []).map((e) => e.Name);
    expect(names).not.toContain('SESSIONPLANE_API_URL');
    expect(routerContainer(plain).Secrets).toBeUndefined();
  });
});
