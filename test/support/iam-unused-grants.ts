/**
 * What each role is granted that the journey does not call, and why it is granted: a grant nobody calls and nobody
 * explains fails the journey's IAM test (test/infra/journey.moto523.test.ts): remove it, or say here what needs it.
 */
export const UNUSED_GRANTS: Record<string, Record<string, string>> = {
  'api-write': {
    'dynamodb:BatchGetItem':
      "a launch that joins a queue others wait in reads their owners' usage to tell it its place (the journey's queue is empty before its job joins)",
    'elasticfilesystem:DescribeAccessPoints':
      "waits for a new home's access point to become available (moto creates it available at once)",
  },
  reaper: {
    'dynamodb:DeleteItem': "removes a shared session's grantee-index pointers when the reaper ends it",
    'ecs:DeregisterTaskDefinition': "retires the registry's revisions no session has used for a day",
  },
  'image-catalog': {
    'ecr:BatchGetImage':
      "reads a labelled image's manifest (moto's repository holds no image here; the ECR contract does)",
    'ecr:GetDownloadUrlForLayer': "reads a labelled image's config blob, its labels (as above)",
  },
  pools: {
    'dynamodb:DescribeStream': "Lambda's event source mapping reads the table's stream with the function's role",
    'dynamodb:GetRecords': 'the same event source mapping',
    'dynamodb:GetShardIterator': 'the same event source mapping',
    'dynamodb:ListStreams': 'the same event source mapping',
    'ecs:DescribeTaskDefinition': "a pool of a labelled image's app runs in a registry revision",
    'ecs:RegisterTaskDefinition': 'the same registry revision',
    'ecs:StopTask': 'a pool shrinks, or its instances expire or outlive a spec change',
  },
  queue: {
    'dynamodb:DescribeStream': "Lambda's event source mapping reads the table's stream with the function's role",
    'dynamodb:GetRecords': 'the same event source mapping',
    'dynamodb:GetShardIterator': 'the same event source mapping',
    'dynamodb:ListStreams': 'the same event source mapping',
    'dynamodb:PutItem': "a queued home app's first launch: its owner's uid record, and a registry revision's claim",
    'dynamodb:DeleteItem': "a registry claim given up when its revision's registration fails",
    'ecs:DescribeTaskDefinition': "a queued custom-image or home launch runs in a registry revision (api-write's path)",
    'ecs:RegisterTaskDefinition': 'the same registry revision',
    'ecs:StopTask': 'a queued launch stopped while its start was under way: what was started is stopped',
    'elasticfilesystem:CreateAccessPoint': "a queued home app's first launch makes its owner's access point",
    'elasticfilesystem:DescribeAccessPoints': 'and waits for it to become available',
    'elasticfilesystem:TagResource': 'and tags it with its owner, as part of the create',
  },
  router: {
    'dynamodb:PutItem': "the portal's sign-outs (`signout#` keys), with the portal (HTTPS); a files user's first uid",
    'elasticfilesystem:ClientMount': "the files service's EFS mount of /homes (the ECS agent, not an API call)",
    'elasticfilesystem:ClientWrite': 'the same mount, read-write',
    'elasticfilesystem:ClientRootAccess': 'the same mount, as root (it gives what it writes to the home’s owner)',
  },
  ...Object.fromEntries(
    ['built', 'notes', 'pooled', 'batch'].map((app) => [
      `task Apps${app}TaskTaskRole`,
      {
        'elasticfilesystem:ClientMount': "the task's EFS mount of its user's home (the ECS agent, not an API call)",
        'elasticfilesystem:ClientWrite': 'the same mount, read-write',
      },
    ]),
  ),
  'task AppslicensedTaskExecutionRole': {
    'logs:CreateLogStream': "the awslogs driver's stream of the task's output (the agent here writes it as the admin)",
    'logs:PutLogEvents': 'the same stream',
    'ssm:DescribeParameters': "granted by CDK with an SSM secret's read (ECS calls GetParameters)",
    'ssm:GetParameter': 'the same grant',
    'ssm:GetParameterHistory': 'the same grant',
  },
};
