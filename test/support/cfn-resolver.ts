import { CLUSTER_ARN } from './ecs-events';

export type Cfn = unknown;
export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * What the deploy's resources are called: the session-secrets key, and where a test made the resource itself (in
 * moto), `refs` (Ref by logical id) and `atts` (`<logical id>.<attribute>`).
 */
export interface Known {
  kmsKeyArn: string;
  refs?: Record<string, string>;
  atts?: Record<string, string>;
}

/** CloudFormation's intrinsic functions, resolved as a deploy of this template into one account would. */
export function resolver(resources: Resources, known: Known) {
  const ref = (id: string): string => {
    if (known.refs?.[id] !== undefined) return known.refs[id];
    const r = resources[id];
    switch (r?.Type) {
      case 'AWS::DynamoDB::Table':
        return 'sessions';
      case 'AWS::ECS::TaskDefinition':
        return `arn:aws:ecs:eu-west-1:123456789012:task-definition/${String(r.Properties!.Family)}:1`;
      case 'AWS::EC2::Subnet':
        return `subnet-${id.slice(-8).toLowerCase()}`;
      case 'AWS::SecretsManager::Secret':
        return id;
      case 'AWS::ECR::Repository':
        return 'sessionplane-apps';
      case 'AWS::EFS::FileSystem':
        return 'fs-0123456789abcdef0';
      default:
        if (id === 'AWS::URLSuffix') return 'amazonaws.com';
        if (id === 'AWS::AccountId') return '123456789012';
        if (id === 'AWS::Region') return 'eu-west-1';
        if (id === 'AWS::Partition') return 'aws';
        return id;
    }
  };
  const getAtt = (id: string, attr: string): string => {
    if (known.atts?.[`${id}.${attr}`] !== undefined) return known.atts[`${id}.${attr}`]!;
    if (resources[id]?.Type === 'AWS::ECS::Cluster' && attr === 'Arn') return CLUSTER_ARN;
    if (resources[id]?.Type === 'AWS::KMS::Key' && attr === 'Arn') return known.kmsKeyArn;
    if (resources[id]?.Type === 'AWS::ECR::Repository' && attr === 'Arn')
      return 'arn:aws:ecr:eu-west-1:123456789012:repository/sessionplane-apps';
    if (resources[id]?.Type === 'AWS::IAM::Role' && attr === 'Arn') return `arn:aws:iam::123456789012:role/${id}`;
    if (attr === 'GroupId') return `sg-${id.slice(-8).toLowerCase()}`;
    if (attr === 'DNSName') return 'router.example.org';
    if (resources[id]?.Type === 'AWS::ApiGatewayV2::Api' && attr === 'ApiEndpoint')
      return `https://${id.slice(-10).toLowerCase()}.execute-api.eu-west-1.amazonaws.com`;
    return `${id}.${attr}`;
  };
  const resolve = (v: Cfn): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map(resolve);
    const o = v as Record<string, unknown>;
    if ('Ref' in o) return ref(String(o.Ref));
    if ('Fn::GetAtt' in o) {
      const [id, attr] = o['Fn::GetAtt'] as [string, string];
      return getAtt(id, attr);
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, Cfn[]];
      return parts.map(resolve).join(sep);
    }
    if ('Fn::Sub' in o && typeof o['Fn::Sub'] === 'string')
      return o['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) =>
        name.includes('.') ? getAtt(...(name.split('.') as [string, string])) : ref(name),
      );
    if ('Fn::Split' in o) {
      const [sep, s] = o['Fn::Split'] as [string, Cfn];
      return String(resolve(s)).split(sep);
    }
    if ('Fn::Select' in o) {
      const [i, list] = o['Fn::Select'] as [number, Cfn];
      return (resolve(list) as unknown[])[i];
    }
    throw new Error(`unresolved ${JSON.stringify(o)}`);
  };
  return (v: Cfn) => {
    const s = String(resolve(v));
    // A dynamic reference is resolved by CloudFormation at deploy: the token key's 64 characters.
    return s.startsWith('{{resolve:secretsmanager:') ? 'ab'.repeat(32) : s;
  };
}

/** Every intrinsic function inside `v` (a policy document, a task definition's properties) resolved by `resolve`. */
export function resolveDeep(resolve: (v: Cfn) => string): (v: Cfn) => unknown {
  const deep = (v: Cfn): unknown =>
    Array.isArray(v)
      ? v.map(deep)
      : typeof v === 'object' && v !== null
        ? Object.keys(v).some((k) => k === 'Ref' || k.startsWith('Fn::'))
          ? resolve(v)
          : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]))
        : v;
  return deep;
}
