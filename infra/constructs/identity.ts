import { CfnOutput, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

/**
 * A Cognito user pool for the API's JWT authorizer, made when no OIDC issuer is configured, so
 * that one `cdk deploy` gives an API someone can sign in to. Admins: the `adminGroup` group.
 */
export class Identity extends Construct {
  readonly issuer: string;
  readonly audience: string;
  readonly client: UserPoolClient;
  private readonly pool: UserPool;

  constructor(scope: Construct, id: string, props: { adminGroup: string; mfa: 'optional' | 'required' }) {
    super(scope, id);
    const pool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      mfa: props.mfa === 'required' ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.ESSENTIALS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.client = pool.addClient('Cli', {
      authFlows: { userPassword: true, userSrp: true },
      // Tokens by password or SRP only: no hosted-UI flows (CDK's default would allow the implicit grant, back to
      // https://example.com).
      disableOAuth: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
    });
    new CfnUserPoolGroup(this, 'Admins', {
      userPoolId: pool.userPoolId,
      groupName: props.adminGroup,
      description: 'Sessionplane admins: see and stop every session',
    });
    acknowledge(pool, {
      ...(props.mfa === 'required'
        ? {}
        : {
            'AwsSolutions-COG2':
              'MFA is optional by default so that a first deploy can be signed in to with a password; users may enrol TOTP, and -c mfa=required requires it.',
          }),
      'AwsSolutions-COG8':
        'The Plus plan (threat protection) is a paid choice for the operator; this pool is the default for a first deploy, and any OIDC issuer can replace it (jwtIssuer).',
    });
    this.pool = pool;
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${pool.userPoolId}`;
    this.audience = this.client.userPoolClientId;
    new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.client.userPoolClientId });
    // Cognito mails the user a temporary password; the first sign-in sets their own.
    const region = Stack.of(this).region;
    new CfnOutput(this, 'CreateFirstAdmin', {
      description: 'Your first admin, in one command (replace the address; Cognito mails a temporary password)',
      value: [
        `aws cognito-idp admin-create-user --region ${region} --user-pool-id ${pool.userPoolId} --username ADMIN_EMAIL`,
        '--user-attributes Name=email,Value=ADMIN_EMAIL Name=email_verified,Value=true &&',
        `aws cognito-idp admin-add-user-to-group --region ${region} --user-pool-id ${pool.userPoolId}`,
        `--username ADMIN_EMAIL --group-name ${props.adminGroup}`,
      ].join(' '),
    });
  }

  /**
   * The portal's client: the authorization-code flow with PKCE (a public client: no secret to
   * keep), back to `<portal URL>/sign-in/oidc/callback`, and the pool's hosted sign-in pages on a
   * Cognito domain of this stack's own. Its ID tokens are what the portal calls the API with.
   */
  addPortalClient(portalUrl: string): UserPoolClient {
    const prefix = `sessionplane-${Names.uniqueResourceName(this, { maxLength: 30, separator: '-' })}`
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '');
    this.pool.addDomain('SignIn', { cognitoDomain: { domainPrefix: prefix.slice(0, 63) } });
    const client = this.pool.addClient('Portal', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${portalUrl}/sign-in/oidc/callback`],
        logoutUrls: [`${portalUrl}/sign-in`],
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
    new CfnOutput(this, 'PortalClientId', { value: client.userPoolClientId });
    return client;
  }
}
