import type { AppSpec } from '../../../domain/app';

/**
 * What ECS can run: an app with an `image`, or one the stack builds (`build`), for which it made a
 * task definition. A user's own image (an app with `customImage`) runs in a revision the
 * task-definition registry derives from that definition.
 */
export function ecsCannotRun(app: AppSpec): string | undefined {
  if (!app.image && !app.build) return `app ${app.name} has no image, so this deployment has no task definition for it`;
  return undefined;
}

/**
 * What ECS adds before an app's own start begins: a Fargate task spends 11–44 s attaching its network
 * interface and about a minute pulling a 250–900 MB image; a GPU task may first wait for an EC2 instance
 * to join the cluster (~146 s) under managed scaling from zero. An app's `launchTimeout` is its own start
 * (as on one machine); this is added to it, so an apps file written for processes starts on Fargate too.
 */
const ECS_PLATFORM_START_MS = 4 * 60_000;
const ECS_GPU_PLATFORM_START_MS = 9 * 60_000;

export const ecsAppDefaults = {
  platformStartMs: (app: { resources: { gpus: number } }) =>
    app.resources.gpus > 0 ? ECS_GPU_PLATFORM_START_MS : ECS_PLATFORM_START_MS,
};
