import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, statements, synthStack } from '../support/infra';

/** The stack's homes (#17) and its labelled images' catalog (#16). */
describe('the CDK stack: homes on EFS, and the image catalog', () => {
  let template: Template;
  let functions: Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;
  const fnNamed = (name: string) =>
    Object.values(functions).find((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === name)!;

  beforeAll(() => {
    ({ template } = synthStack({}));
    functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: Match.anyValue() } } },
    }) as typeof functions;
  }, 120_000);

  it("lets only image-catalog read the app image repository (for the labelled images' snapshot), and tells every function where it is", () => {
    const ecrReads = statements(template)
      .map((s) => s.statement)
      .filter((s) => actionsOf(s).includes('ecr:DescribeImages'));
    expect(ecrReads).toHaveLength(1);
    expect(actionsOf(ecrReads[0]!).sort()).toEqual([
      'ecr:BatchGetImage',
      'ecr:DescribeImages',
      'ecr:DescribeRepositories',
      'ecr:GetDownloadUrlForLayer',
    ]);
    expect(JSON.stringify(ecrReads[0]!.Resource)).toMatch(/ImagesRepository/);
    for (const name of ['api-read', 'api-write', 'api-catalog', 'task-events', 'reaper', 'image-catalog'])
      expect(JSON.stringify(fnNamed(name).Properties.Environment.Variables.SESSIONPLANE_IMAGE_REPOSITORY)).toMatch(
        /ImagesRepository/,
      );
  });

  it("makes one access point per group volume on the homes' file system, and tells the functions that start tasks", () => {
    const points = Object.values(template.findResources('AWS::EFS::AccessPoint')) as {
      Properties: { RootDirectory: { Path: string; CreationInfo: Record<string, string> } };
    }[];
    // viz mounts `survey` read-write, spot read-only: one project, one access point; and the files service's (#38).
    expect(points.map((p) => p.Properties.RootDirectory)).toEqual([
      { Path: '/volumes/survey', CreationInfo: { OwnerUid: '0', OwnerGid: '0', Permissions: '777' } },
      { Path: '/homes', CreationInfo: { OwnerUid: '0', OwnerGid: '0', Permissions: '711' } },
    ]);
    for (const name of ['api-write', 'queue'])
      expect(JSON.stringify(fnNamed(name).Properties.Environment.Variables.SESSIONPLANE_VOLUME_ACCESS_POINTS)).toMatch(
        /survey.*HomesFileSystemVolumesurvey/,
      );
    for (const name of ['api-read', 'reaper', 'pools'])
      expect(fnNamed(name).Properties.Environment.Variables.SESSIONPLANE_VOLUME_ACCESS_POINTS).toBeUndefined();
  });

  it('keeps homes on an encrypted, backed-up, retained EFS file system that only session tasks (and files) reach, over TLS', () => {
    const fs = template.findResources('AWS::EFS::FileSystem');
    expect(Object.keys(fs)).toHaveLength(1);
    const [fsId, fsRes] = Object.entries(fs)[0]! as [
      string,
      { Properties: Record<string, unknown>; DeletionPolicy: string; UpdateReplacePolicy: string },
    ];
    expect(fsRes.DeletionPolicy).toBe('Retain');
    expect(fsRes.UpdateReplacePolicy).toBe('Retain');
    expect(fsRes.Properties).toMatchObject({ Encrypted: true, BackupPolicy: { Status: 'ENABLED' } });
    expect(JSON.stringify(fsRes.Properties.FileSystemPolicy)).toMatch(/"aws:SecureTransport":"false"/);
    // Mount targets, one per session subnet, behind a group that admits NFS from session tasks only.
    const targets = Object.values(template.findResources('AWS::EFS::MountTarget')) as {
      Properties: { SecurityGroups: { 'Fn::GetAtt': [string, string] }[] };
    }[];
    expect(targets.length).toBeGreaterThanOrEqual(2);
    const groupId = targets[0]!.Properties.SecurityGroups[0]!['Fn::GetAtt'][0];
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((r) =>
      JSON.stringify((r as { Properties: { GroupId: unknown } }).Properties.GroupId).includes(groupId),
    ) as { Properties: { FromPort: number; SourceSecurityGroupId: unknown } }[];
    // NFS from session tasks, and from the router's task (its files service, #38); nothing else.
    expect(ingress.map((i) => i.Properties.FromPort)).toEqual([2049, 2049]);
    expect(ingress.map((i) => JSON.stringify(i.Properties.SourceSecurityGroupId))).toEqual([
      expect.stringMatching(/SessionsSg/),
      expect.stringMatching(/RouterSg/),
    ]);
    // api-write makes access points there; every app's task role may mount it through one.
    expect(
      JSON.stringify(fnNamed('api-write').Properties.Environment.Variables.SESSIONPLANE_HOMES_FILE_SYSTEM),
    ).toContain(fsId);
    const all = statements(template).map((st) => st.statement);
    // api-write, and the queue (a waiting home launch's first start makes its owner's access point).
    expect(all.filter((st) => actionsOf(st).includes('elasticfilesystem:CreateAccessPoint'))).toHaveLength(2);
    const mounts = all.filter((st) => actionsOf(st).includes('elasticfilesystem:ClientMount'));
    expect(mounts).toHaveLength(5); // the three apps' task roles, the labelled images' one, and the files service
    for (const m of mounts)
      expect(m.Condition).toMatchObject({ Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } });
  });
});
