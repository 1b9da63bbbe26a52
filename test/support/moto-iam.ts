import type { Cfn, Resources } from './cfn-resolver';

/** One IAM or STS Query API call to moto (no SDK for them here); the response's XML. */
async function query(endpoint: string, service: 'iam' | 'sts', params: Record<string, string>): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20261206/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
    },
    body: new URLSearchParams({ ...params, Version: service === 'iam' ? '2010-05-08' : '2011-06-15' }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${params.Action}: ${res.status} ${text}`);
  return text;
}
const field = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)![1]!;

export interface Credentials {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_SESSION_TOKEN?: string;
}

/**
 * What moto can enforce of a policy: its actions. moto authorizes every call of these services against Resource "*"
 * and knows none of their condition keys (ecs:cluster, kms:EncryptionContext:…), so a statement scoped by either would
 * never apply there: each goes to moto with `Resource: "*"` and no condition. Resources and conditions are checked
 * by the offline evaluation (iam-evaluation.ts), against the policies exactly as synthesized.
 */
function actionsOnly(policy: unknown): unknown {
  const p = policy as { Version: string; Statement: Record<string, unknown>[] };
  return {
    Version: p.Version,
    Statement: p.Statement.map(({ Condition: _c, Resource: _r, ...s }) => ({ ...s, Resource: '*' })),
  };
}

/**
 * The template's roles in moto's IAM (each with its inline policies, actions only), each assumed (STS) for its
 * credentials, and an administrator for the test's own calls; then IAM enforcement on (`/moto-api/reset-auth`): from
 * here every call to moto must be signed by a key moto knows and allowed by that key's policies.
 */
export async function enforceIamOnMoto(
  endpoint: string,
  resources: Resources,
  resolveDeep: (v: Cfn) => unknown,
): Promise<{ roles: Map<string, Credentials>; admin: Credentials; roleOfKey: Map<string, string> }> {
  const roles = new Map<string, Credentials>();
  const roleOfKey = new Map<string, string>();
  for (const [id, r] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::Role')) {
    await query(endpoint, 'iam', {
      Action: 'CreateRole',
      RoleName: id,
      AssumeRolePolicyDocument: JSON.stringify(resolveDeep(r.Properties!.AssumeRolePolicyDocument)),
    });
    const policies = Object.entries(resources).filter(
      ([, p]) =>
        p.Type === 'AWS::IAM::Policy' && (p.Properties!.Roles as { Ref?: string }[]).some((role) => role.Ref === id),
    );
    for (const [name, p] of policies)
      await query(endpoint, 'iam', {
        Action: 'PutRolePolicy',
        RoleName: id,
        PolicyName: name,
        PolicyDocument: JSON.stringify(actionsOnly(resolveDeep(p.Properties!.PolicyDocument))),
      });
    const assumed = await query(endpoint, 'sts', {
      Action: 'AssumeRole',
      RoleArn: `arn:aws:iam::123456789012:role/${id}`,
      RoleSessionName: id.slice(0, 64),
    });
    const key = field(assumed, 'AccessKeyId');
    roles.set(id, {
      AWS_ACCESS_KEY_ID: key,
      AWS_SECRET_ACCESS_KEY: field(assumed, 'SecretAccessKey'),
      AWS_SESSION_TOKEN: field(assumed, 'SessionToken'),
    });
    roleOfKey.set(key, id);
  }
  await query(endpoint, 'iam', { Action: 'CreateUser', UserName: 'test-admin' });
  await query(endpoint, 'iam', {
    Action: 'PutUserPolicy',
    UserName: 'test-admin',
    PolicyName: 'all',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    }),
  });
  const key = await query(endpoint, 'iam', { Action: 'CreateAccessKey', UserName: 'test-admin' });
  const admin = { AWS_ACCESS_KEY_ID: field(key, 'AccessKeyId'), AWS_SECRET_ACCESS_KEY: field(key, 'SecretAccessKey') };
  const on = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  if (!on.ok) throw new Error(`moto's reset-auth: ${on.status}`);
  return { roles, admin, roleOfKey };
}
