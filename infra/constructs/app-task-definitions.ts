import { Annotations, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Compatibility,
  ContainerImage,
  LogDrivers,
  NetworkMode,
  Secret as EcsSecret,
  TaskDefinition,
} from 'aws-cdk-lib/aws-ecs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { LABELLED_APPS_TASK } from '../../shared/config/table';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AppSpec } from '../../shared/config/apps';
import { acknowledge } from './nag';

export interface AppTaskDefinitionsProps {
  apps: AppSpec[];
  familyPrefix: string;
  /** Log groups are `<logGroupPrefix><app>`. */
  logGroupPrefix: string;
  logStreamPrefix: string;
  containerName: string;
  retention: RetentionDays;
  /** The repository whose labelled images are apps: they run in a generic definition of its images. */
  labelledImages?: IRepository;
}

/**
 * One task definition per app that has an image (named, or built from its folder): its port, size and GPUs, awslogs to a per-app
 * log group, a non-root user, a read-only root filesystem where the app allows it, and a task
 * role and an execution role of its own.
 */
export class AppTaskDefinitions extends Construct {
  readonly byApp = new Map<string, TaskDefinition>();
  readonly logGroups: LogGroup[] = [];

  /**
   * `{"app": "family:revision"}` as deployed (SESSIONPLANE_TASK_DEFINITIONS): RunTask pins these,
   * because the task-definition registry adds revisions to the same families.
   */
  deployedRevisions(): string {
    const map: Record<string, string> = {};
    for (const [app, t] of this.byApp) map[app] = Fn.select(1, Fn.split('task-definition/', t.taskDefinitionArn));
    return Stack.of(this).toJsonString(map);
  }

  constructor(scope: Construct, id: string, props: AppTaskDefinitionsProps) {
    super(scope, id);
    for (const app of props.apps.filter((a) => !a.image && !a.build))
      Annotations.of(this).addWarningV2(
        'sessionplane:app-without-image',
        `App ${app.name} has no image: this stack cannot run it on ECS, so the API will not offer it (give it an \`image\`, or run it with npm start).`,
      );
    for (const app of props.apps.filter((a) => a.image || a.build)) {
      const gpu = app.resources.gpus > 0;
      const logGroup = new LogGroup(this, `${app.name}Logs`, {
        logGroupName: `${props.logGroupPrefix}${app.name}`,
        retention: props.retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      this.logGroups.push(logGroup);
      const taskDefinition = new TaskDefinition(this, `${app.name}Task`, {
        family: `${props.familyPrefix}${app.name}`,
        compatibility: gpu ? Compatibility.EC2 : Compatibility.FARGATE,
        networkMode: NetworkMode.AWS_VPC,
        // Per-session sizes come as task overrides at RunTask; these are the app's defaults.
        cpu: String(Math.max(256, Math.round(app.resources.cpu * 1024))),
        memoryMiB: String(Math.max(512, app.resources.memory)),
      });
      taskDefinition.addContainer(props.containerName, {
        // An image the app names, or one built at `cdk deploy` from its folder (for Fargate's x86-64).
        image: app.image
          ? ContainerImage.fromRegistry(app.image)
          : ContainerImage.fromAsset(app.build!, {
              file: 'Containerfile',
              platform: Platform.LINUX_AMD64,
              exclude: ['node_modules'],
            }),
        portMappings: [{ containerPort: app.containerPort }],
        logging: LogDrivers.awsLogs({ logGroup, streamPrefix: props.logStreamPrefix }),
        user: '1000',
        readonlyRootFilesystem: app.readOnlyRootFilesystem,
        environment: app.env,
        ...(app.secrets ? { secrets: this.secretsOf(app, taskDefinition) } : {}),
        ...(gpu ? { gpuCount: app.resources.gpus, memoryReservationMiB: app.resources.memory } : {}),
      });
      // A user's own image may come from the stack's repository (the example image prefix points there): the
      // registry's revisions keep this execution role, so it may pull from that repository.
      if (app.customImage && props.labelledImages) props.labelledImages.grantPull(taskDefinition.obtainExecutionRole());
      acknowledge(taskDefinition, {
        'AwsSolutions-ECS2':
          "The app's fixed `env` from the apps file; per-session values come as RunTask overrides, and secrets do not belong in the apps file.",
        ...(app.image && !app.customImage
          ? {}
          : {
              'AwsSolutions-IAM5[Resource::*]':
                'ecr:GetAuthorizationToken, which the execution role needs to pull the built image, takes no resource; the pulls are scoped to the assets repository.',
            }),
      });
      this.byApp.set(app.name, taskDefinition);
    }
    if (props.labelledImages) this.labelledDefinition(props, props.labelledImages);
  }

  /**
   * An app's secrets by reference as ECS reads them at a task's start (the task definition's `secrets`, never the
   * overrides): its execution role may read exactly those (CDK grants it). A local reference (file:, env:) cannot be
   * read by ECS: synth stops, naming it, rather than start the app without it.
   */
  private secretsOf(app: AppSpec, taskDefinition: TaskDefinition): Record<string, EcsSecret> {
    const out: Record<string, EcsSecret> = {};
    for (const [name, ref] of Object.entries(app.secrets ?? {})) {
      const id = `${app.name}${name}Secret`;
      const secret =
        ref.startsWith('arn:') && ref.includes(':secretsmanager:')
          ? EcsSecret.fromSecretsManager(Secret.fromSecretCompleteArn(this, id, ref))
          : ref.startsWith('arn:') && ref.includes(':ssm:')
            ? EcsSecret.fromSsmParameter(
                StringParameter.fromSecureStringParameterAttributes(this, id, {
                  parameterName: ref.slice(ref.indexOf(':parameter') + ':parameter'.length),
                }),
              )
            : undefined;
      // A group-held secret is not in the base definition: a member's task runs in a registry revision that adds it,
      // with this execution role, which may read it.
      if (secret && app.secretGroups?.[name]) secret.grantRead(taskDefinition.obtainExecutionRole());
      else if (secret) out[name] = secret;
      else
        Annotations.of(this).addError(
          `App ${app.name}'s secret ${name} is a local reference (${ref.split(':')[0]}:): ECS cannot read it; give a Secrets Manager or SSM parameter ARN.`,
        );
    }
    return out;
  }

  /**
   * The definition apps found by their image's labels run in (the registry registers a revision
   * per image, with the image replaced): Fargate, the repository's images pullable by its
   * execution role and by nothing else, a non-root user, logs to a group of its own.
   */
  private labelledDefinition(props: AppTaskDefinitionsProps, repository: IRepository): void {
    const logGroup = new LogGroup(this, 'LabelledLogs', {
      logGroupName: `${props.logGroupPrefix}${LABELLED_APPS_TASK}`,
      retention: props.retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroups.push(logGroup);
    const taskDefinition = new TaskDefinition(this, 'LabelledTask', {
      family: `${props.familyPrefix}${LABELLED_APPS_TASK}`,
      compatibility: Compatibility.FARGATE,
      networkMode: NetworkMode.AWS_VPC,
      cpu: '256',
      memoryMiB: '512',
    });
    taskDefinition.addContainer(props.containerName, {
      image: ContainerImage.fromEcrRepository(repository, 'latest'),
      portMappings: [{ containerPort: 8080 }],
      logging: LogDrivers.awsLogs({ logGroup, streamPrefix: props.logStreamPrefix }),
      user: '1000',
    });
    acknowledge(taskDefinition, {
      'AwsSolutions-IAM5[Resource::*]':
        'ecr:GetAuthorizationToken, which the execution role needs to pull from the repository, takes no resource; the pulls are scoped to it.',
    });
    this.byApp.set(LABELLED_APPS_TASK, taskDefinition);
  }
}
