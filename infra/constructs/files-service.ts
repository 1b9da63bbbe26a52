import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import {
  ContainerDependencyCondition,
  type ContainerImage,
  type FargateTaskDefinition,
  LogDrivers,
} from 'aws-cdk-lib/aws-ecs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { ENV } from '../../shared/config/env-names';
import { grantHomeFileUsers } from './grants';
import type { Homes } from './homes';

/** The files service's port on the router task's localhost. */
const FILES_PORT = 8081;

export interface FilesServiceProps {
  /** The router's image (the files service is in it) and log group. */
  image: ContainerImage;
  logs: ILogGroup;
  table: ITable;
  /** The router task's security group: NFS to the homes from it. */
  securityGroup: ISecurityGroup;
  homes: Homes;
  jwt: { issuer: string; userClaim: string; groupsClaim: string; adminGroup: string };
  /** The API's audiences: its client's and the portal's. */
  audiences: string[];
}

/**
 * Users' files (#38): a second container in the router's task, the files service (functions/aws/files-service.ts),
 * the only one that mounts the homes file system, as root through an access point on `/homes` (it gives what it
 * writes to each home's owner). It listens on the task's localhost; the router sends it `/homes/me/files`, and it
 * verifies every caller itself, as the API does.
 */
export function addFilesService(task: FargateTaskDefinition, props: FilesServiceProps): void {
  const point = props.homes.grantFilesService(task.taskRole, props.securityGroup);
  task.addVolume({
    name: 'homes',
    efsVolumeConfiguration: {
      fileSystemId: props.homes.fileSystem.fileSystemId,
      transitEncryption: 'ENABLED',
      authorizationConfig: { accessPointId: point.accessPointId, iam: 'ENABLED' },
    },
  });
  const files = task.addContainer('files', {
    image: props.image,
    command: ['node', '--import', 'tsx', 'functions/aws/files-service.ts'],
    // Root, to chown what it writes to the home's owner (Fargate adds no CAP_CHOWN to another user); nothing else.
    user: '0',
    essential: true,
    logging: LogDrivers.awsLogs({ logGroup: props.logs, streamPrefix: 'files' }),
    environment: {
      [ENV.port]: String(FILES_PORT),
      [ENV.host]: '127.0.0.1',
      [ENV.homesDir]: '/mnt/homes',
      [ENV.tableName]: props.table.tableName,
      [ENV.awsRegion]: Stack.of(task).region,
      [ENV.jwtIssuer]: props.jwt.issuer,
      [ENV.jwtAudience]: props.audiences.join(','),
      [ENV.userClaim]: props.jwt.userClaim,
      [ENV.groupsClaim]: props.jwt.groupsClaim,
      [ENV.adminGroup]: props.jwt.adminGroup,
    },
  });
  files.addMountPoints({ containerPath: '/mnt/homes', sourceVolume: 'homes', readOnly: false });
  grantHomeFileUsers(task.taskRole, props.table);
  const router = task.defaultContainer!;
  router.addEnvironment(ENV.filesService, `http://127.0.0.1:${FILES_PORT}`);
  router.addContainerDependencies({ container: files, condition: ContainerDependencyCondition.START });
}
