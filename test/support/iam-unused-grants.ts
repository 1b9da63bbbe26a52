/**
 * What each role is granted that the journey does not call, and why it is granted: a grant nobody calls and nobody
 * explains fails the journey's IAM test (test/infra/journey.moto523.test.ts): remove it, or say here what needs it.
 */
export const UNUSED_GRANTS: Record<string, Record<string, string>> = {
  'api-write': {
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
  router: { 'dynamodb:PutItem': "the portal's sign-outs (`signout#` keys), with the portal (HTTPS)" },
  ...Object.fromEntries(
    ['built', 'notes', 'pooled'].map((app) => [
      `task Apps${app}TaskTaskRole`,
      {
        'elasticfilesystem:ClientMount': "the task's EFS mount of its user's home (the ECS agent, not an API call)",
        'elasticfilesystem:ClientWrite': 'the same mount, read-write',
      },
    ]),
  ),
};
