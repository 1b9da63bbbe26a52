type Answer = {
  UserPool: { Id: string };
  UserPoolClient: { ClientId: string };
  AuthenticationResult: { AccessToken: string };
};

/** One Cognito API call to moto (no SDK for Cognito here); its JSON answer. */
async function cognito(endpoint: string, region: string, operation: string, body: unknown): Promise<Answer> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20261206/${region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=x`,
    },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as Answer;
  if (!res.ok) throw new Error(`Cognito ${operation}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * The stack's user pool in moto, as the deploy makes it, and a first user whose password is set (as the
 * CreateFirstAdmin output's user has after their first sign-in): the pool, its CLI client (`authFlows`, as the
 * template's client allows them), and the user's name and password.
 */
export async function motoUserPool(
  endpoint: string,
  region: string,
  authFlows: string[],
): Promise<{ poolId: string; clientId: string; user: string; password: string; issuer: string; jwksUrl: string }> {
  const poolId = (await cognito(endpoint, region, 'CreateUserPool', { PoolName: 'sessionplane' })).UserPool.Id;
  const clientId = (
    await cognito(endpoint, region, 'CreateUserPoolClient', {
      UserPoolId: poolId,
      ClientName: 'cli',
      ExplicitAuthFlows: authFlows,
    })
  ).UserPoolClient.ClientId;
  const user = 'alice';
  const password = 'Smoke-test-passw0rd!';
  await cognito(endpoint, region, 'AdminCreateUser', { UserPoolId: poolId, Username: user, MessageAction: 'SUPPRESS' });
  await cognito(endpoint, region, 'AdminSetUserPassword', {
    UserPoolId: poolId,
    Username: user,
    Password: password,
    Permanent: true,
  });
  return {
    poolId,
    clientId,
    user,
    password,
    issuer: `https://cognito-idp.${region}.amazonaws.com/${poolId}`,
    jwksUrl: `${endpoint}/${poolId}/.well-known/jwks.json`,
  };
}

/**
 * The stack's user pool in moto with these users, each in their groups (Cognito's groups, as `cognito:groups` in their
 * tokens), each signed in with a password through the CLI client: their access tokens.
 */
export async function motoUsers(
  endpoint: string,
  region: string,
  authFlows: string[],
  users: Record<string, string[]>,
): Promise<{ tokens: Record<string, string>; clientId: string; issuer: string; jwksUrl: string }> {
  const pool = await motoUserPool(endpoint, region, authFlows);
  const call = (operation: string, body: Record<string, unknown>) =>
    cognito(endpoint, region, operation, { UserPoolId: pool.poolId, ...body });
  for (const group of new Set(Object.values(users).flat())) await call('CreateGroup', { GroupName: group });
  const tokens: Record<string, string> = {};
  for (const [user, groups] of Object.entries(users)) {
    if (user !== pool.user) {
      await call('AdminCreateUser', { Username: user, MessageAction: 'SUPPRESS' });
      await call('AdminSetUserPassword', { Username: user, Password: pool.password, Permanent: true });
    }
    for (const group of groups) await call('AdminAddUserToGroup', { Username: user, GroupName: group });
    const signedIn = await cognito(endpoint, region, 'InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: pool.clientId,
      AuthParameters: { USERNAME: user, PASSWORD: pool.password },
    });
    tokens[user] = signedIn.AuthenticationResult.AccessToken;
  }
  return { tokens, clientId: pool.clientId, issuer: pool.issuer, jwksUrl: pool.jwksUrl };
}
