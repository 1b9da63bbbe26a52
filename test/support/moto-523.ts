import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startMoto } from './moto';

/** moto 5.2.3 (its source, beside the project): RunTask with capacity providers works there, unlike pip's 5.2.1. */
const MOTO_TGZ = resolve('../shared/tools/moto-5.2.3.tgz');

/** Why the moto 5.2.3 tier cannot run here, or undefined; in CI its absence is an error, never a skip. */
export function moto523Missing(): string | undefined {
  if (existsSync(MOTO_TGZ)) return undefined;
  if (process.env.CI) throw new Error(`CI must run the moto 5.2.3 tier, but ${MOTO_TGZ} is missing.`);
  return `needs ${MOTO_TGZ}`;
}

/** moto 5.2.3's server on a port the OS picks, from the tarball (it uses the Python packages pip's moto brought). */
export async function startMoto523(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sp-moto523-'));
  execFileSync('tar', ['-xzf', MOTO_TGZ, '-C', dir]);
  return startMoto(dir);
}

/** One EC2 Query API call to moto (no SDK for EC2 here); the response's XML. */
async function ec2Query(endpoint: string, params: Record<string, string>, region = 'us-east-1'): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto reads the service and region from the credential scope.
      authorization: `AWS4-HMAC-SHA256 Credential=local/20261206/${region}/ec2/aws4_request, SignedHeaders=host, Signature=x`,
    },
    body: new URLSearchParams({ ...params, Version: '2016-11-15' }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`EC2 ${params.Action}: ${res.status} ${text}`);
  return text;
}

const field = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)![1]!;

/**
 * The stack's network shape in moto: a VPC with DNS hostnames on (moto's awsvpc tasks need it, as the stack's VPC has
 * it), a private subnet in each of two zones, and the sessions' security group.
 */
export async function motoNetwork(
  endpoint: string,
  region = 'us-east-1',
): Promise<{ subnets: string[]; securityGroup: string }> {
  const ec2 = (params: Record<string, string>) => ec2Query(endpoint, params, region);
  const vpc = field(await ec2({ Action: 'CreateVpc', CidrBlock: '10.40.0.0/16' }), 'vpcId');
  await ec2({ Action: 'ModifyVpcAttribute', VpcId: vpc, 'EnableDnsHostnames.Value': 'true' });
  const subnets: string[] = [];
  for (const [zone, cidr] of [
    [`${region}a`, '10.40.0.0/20'],
    [`${region}b`, '10.40.16.0/20'],
  ] as const)
    subnets.push(
      field(await ec2({ Action: 'CreateSubnet', VpcId: vpc, CidrBlock: cidr, AvailabilityZone: zone }), 'subnetId'),
    );
  const securityGroup = field(
    await ec2({
      Action: 'CreateSecurityGroup',
      VpcId: vpc,
      GroupName: 'sessions',
      GroupDescription: 'session tasks',
    }),
    'groupId',
  );
  return { subnets, securityGroup };
}
