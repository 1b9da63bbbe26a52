import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs';
import { RuntimeStartError } from '../../../domain/errors';
import type { StartRequest } from '../../../ports/runtime';
import type { AppSpec } from '../../../domain/app';
import type { Session } from '../../../domain/session';

const HOME_VOLUME = 'sessionplane-home';

/** A user's home on EFS, mounted in the app's container through their access point. */
interface EfsHomeMount {
  fileSystemId: string;
  accessPointId: string;
  mountPath: string;
}

/** A group volume on EFS, mounted through its project's access point, read-only unless the volume says rw. */
interface EfsVolumeMount {
  name: string;
  fileSystemId: string;
  accessPointId: string;
  mountPath: string;
  readOnly: boolean;
}

/** What a revision changes in the base definition: the image, (for a home app) the user's home, group volumes. */
export interface RevisionVariant {
  image?: string | undefined;
  home?: EfsHomeMount | undefined;
  volumes?: EfsVolumeMount[] | undefined;
  /** Group-held secrets (#38) a member's task gets: ECS reads each at the task's start with the execution role. */
  secrets?: { name: string; valueFrom: string }[] | undefined;
}

/** An EFS volume through an access point, encrypted in transit and IAM-authorized with the task role. */
const efsVolume = (name: string, at: { fileSystemId: string; accessPointId: string }) => ({
  name,
  efsVolumeConfiguration: {
    fileSystemId: at.fileSystemId,
    transitEncryption: 'ENABLED' as const,
    authorizationConfig: { accessPointId: at.accessPointId, iam: 'ENABLED' as const },
  },
});

/**
 * A revision of `def` (every field it was made with) with the variant's image in the app's
 * container and, for a home, an EFS volume through the user's access point (encrypted in transit,
 * IAM-authorized with the task role) mounted at the app's path; for each group volume its
 * project's access point, read-only unless the volume is rw.
 */
export function revisionInput(
  def: TaskDefinition,
  { image, home, volumes = [], secrets = [] }: RevisionVariant,
  containerName: string,
  app: string,
): RegisterTaskDefinitionCommandInput {
  const mounts = [
    ...(home ? [{ sourceVolume: HOME_VOLUME, containerPath: home.mountPath, readOnly: false }] : []),
    ...volumes.map((v) => ({
      sourceVolume: `sessionplane-volume-${v.name}`,
      containerPath: v.mountPath,
      readOnly: v.readOnly,
    })),
  ];
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
            ...(mounts.length ? { mountPoints: [...(c.mountPoints ?? []), ...mounts] } : {}),
            ...(secrets.length ? { secrets: [...(c.secrets ?? []), ...secrets] } : {}),
          }
        : c,
    ),
    volumes: mounts.length
      ? [
          ...(def.volumes ?? []),
          ...(home ? [efsVolume(HOME_VOLUME, home)] : []),
          ...volumes.map((v) => efsVolume(`sessionplane-volume-${v.name}`, v)),
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

/**
 * A session's home and group volumes as EFS mounts (its user's access point; each volume's, as the stack made them),
 * where the deployment keeps a file system for them; a mount it cannot place is a failed start, never a missing mount.
 */
export function efsMounts(
  at: { homesFileSystemId?: string | undefined; volumeAccessPoints?: Readonly<Record<string, string>> | undefined },
  home: StartRequest['home'],
  volumes: StartRequest['volumes'],
): Pick<RevisionVariant, 'home' | 'volumes'> {
  const fileSystemId = at.homesFileSystemId;
  const accessPointId = home?.home.accessPointId;
  if ((accessPointId || volumes?.length) && !fileSystemId)
    throw new RuntimeStartError('This deployment has no file system for homes and volumes.', { reason: 'no-homes' });
  const efsVolumes = (volumes ?? []).map((v) => {
    const point = at.volumeAccessPoints?.[v.name];
    if (!point)
      throw new RuntimeStartError(`This deployment has no access point for the volume ${v.name}.`, {
        reason: 'no-volume',
      });
    return { ...v, fileSystemId: fileSystemId!, accessPointId: point };
  });
  return {
    ...(home && accessPointId
      ? { home: { fileSystemId: fileSystemId!, accessPointId, mountPath: home.mountPath } }
      : {}),
    ...(efsVolumes.length ? { volumes: efsVolumes } : {}),
  };
}

/** The group-held secrets a session was given, as the revision's additions (ECS reads them; never their values). */
export function groupSecretsOf(
  app: Pick<AppSpec, 'secrets' | 'secretGroups'>,
  session: Pick<Session, 'groupSecrets'>,
): Pick<RevisionVariant, 'secrets'> {
  const secrets = (session.groupSecrets ?? [])
    .filter((name) => app.secretGroups?.[name] && app.secrets?.[name]?.startsWith('arn:'))
    .map((name) => ({ name, valueFrom: app.secrets![name]! }));
  return secrets.length ? { secrets } : {};
}
