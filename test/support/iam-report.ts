import type { RecordedCall } from './aws-recorder';
import type { Cfn } from './cfn-resolver';
import {
  evaluate,
  grantedActions,
  type IamRequest,
  iamRequestsOf,
  policiesOfRole,
  roleIdOf,
  type Verdict,
} from './iam-evaluation';
import { ACCOUNT, type MotoDeployment, REGION, rolesOf } from './moto-deployment';

export interface PrincipalReport {
  /** The function's service name, `router`, or `task <role>`. */
  who: string;
  role: string;
  calls: number;
  requests: number;
  denied: Verdict[];
  used: string[];
  unused: string[];
}

type Policies = { name: string; policy: unknown }[];

/**
 * Every principal of the deployment (each function, the router service, each session task role) with the calls its
 * recorder saw, each evaluated against its own role's policies as synthesized (`mutate`: a test's change to them).
 */
// Over 60 lines: the principals of three kinds, then one evaluation each.
export async function iamReport(
  d: MotoDeployment,
  mutate: (who: string, policies: Policies) => Policies = (_, p) => p,
): Promise<PrincipalReport[]> {
  const resources = d.stack.resources;
  const principals: { who: string; role: string; calls: RecordedCall[] }[] = [];
  for (const r of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    const name = (r.Properties!.Environment as { Variables?: Record<string, Cfn> } | undefined)?.Variables
      ?.POWERTOOLS_SERVICE_NAME;
    if (typeof name === 'string')
      principals.push({ who: name, role: roleIdOf(r.Properties!.Role), calls: d.calls[name] ?? [] });
  }
  const definitions = Object.values(resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition');
  const router = definitions.find((r) => !String(r.Properties!.Family).startsWith('sessionplane-'))!;
  principals.push({ who: 'router', role: roleIdOf(router.Properties!.TaskRoleArn), calls: d.calls.router ?? [] });
  // The session tasks share one recorder; the access key names the task's role.
  const byRole = new Map<string, RecordedCall[]>();
  for (const call of d.calls.tasks ?? []) {
    const role = d.roleOfKey(call.accessKeyId);
    byRole.set(role, [...(byRole.get(role) ?? []), call]);
  }
  for (const [role, calls] of byRole) principals.push({ who: `task ${role}`, role, calls });

  const key = Object.values(resources).find((r) => r.Type === 'AWS::KMS::Key')!;
  const keyPolicy = d.resolveDeep(key.Properties!.KeyPolicy);
  const deployment = {
    region: REGION,
    account: ACCOUNT,
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/sessionplane`,
    kmsKeyArn: d.kmsKeyArn,
    rolesOf: (taskDefinition: string) => rolesOf(d.ecs, taskDefinition),
  };
  const reports: PrincipalReport[] = [];
  for (const p of principals) {
    const policies = mutate(p.who, policiesOfRole(resources, p.role, d.resolveDeep));
    const seen = new Map<string, IamRequest>();
    for (const call of p.calls)
      for (const request of await iamRequestsOf(call, deployment))
        seen.set(JSON.stringify([request.action, request.resource, request.context]), request);
    const requests = [...seen.values()];
    const verdicts = await evaluate(`arn:aws:iam::${ACCOUNT}:role/${p.role}`, ACCOUNT, requests, policies, (request) =>
      request.action.startsWith('kms:') ? keyPolicy : undefined,
    );
    const used = new Set(requests.map((r) => r.action));
    reports.push({
      who: p.who,
      role: p.role,
      calls: p.calls.length,
      requests: requests.length,
      denied: verdicts.filter((v) => v.result !== 'Allowed'),
      used: [...used].sort(),
      unused: [...grantedActions(policies)].filter((a) => !used.has(a)).sort(),
    });
  }
  return reports;
}
