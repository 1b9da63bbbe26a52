import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs';

const HOME_VOLUME = 'sessionplane-home';

/** A user's home on EFS, mounted in the app's container through their access point. */
export interface EfsHomeMount {
  fileSystemId: string;
  accessPointId: string;
  mountPath: string;
}

/** What a revision changes in the base definition: the image, and (for a home app) the user's home. */
export interface RevisionVariant {
  image?: string | undefined;
  home?: EfsHomeMount | undefined;
}

/**
 * A revision of `def` (every field it was made with) with the variant's image in the app's
 * container and, for a home, an EFS volume through the user's access point (encrypted in transit,
 * IAM-authorized with the task role) mounted at the app's path.
 */
export function revisionInput(
  def: TaskDefinition,
  { image, home }: RevisionVariant,
  containerName: string,
  app: string,
): RegisterTaskDefinitionCommandInput {
  return {
    family: def.family,
    taskRoleArn: def.taskRoleArn,
    executionRoleArn: def.executionRoleArn,
    networkMode: def.networkMode,
    containerDefinitions: (def.containerDefinitions ?? []).map((c) =>
      c.name === containerName
        ? {
            ...c,
            ...(image ? { image } : {}),
            ...(home
              ? {
                  mountPoints: [
                    ...(c.mountPoints ?? []),
                    { sourceVolume: HOME_VOLUME, containerPath: home.mountPath, readOnly: false },
                  ],
                }
              : {}),
          }
        : c,
    ),
    volumes: home
      ? [
          ...(def.volumes ?? []),
          {
            name: HOME_VOLUME,
            efsVolumeConfiguration: {
              fileSystemId: home.fileSystemId,
              transitEncryption: 'ENABLED',
              authorizationConfig: { accessPointId: home.accessPointId, iam: 'ENABLED' },
            },
          },
        ]
      : def.volumes,
    placementConstraints: def.placementConstraints,
    requiresCompatibilities: def.requiresCompatibilities,
    cpu: def.cpu,
    memory: def.memory,
    pidMode: def.pidMode,
    ipcMode: def.ipcMode,
    proxyConfiguration: def.proxyConfiguration,
    inferenceAccelerators: def.inferenceAccelerators,
    ephemeralStorage: def.ephemeralStorage,
    runtimePlatform: def.runtimePlatform,
    // The IAM policy allows registration only with these tags (aws:RequestTag).
    tags: [
      { key: 'sessionplane:app', value: app },
      { key: 'sessionplane:registry', value: 'image' },
    ],
  };
}
