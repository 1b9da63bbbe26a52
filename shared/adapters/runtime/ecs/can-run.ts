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
 * Launch timeouts on ECS, for apps whose file does not set one. A Fargate task spends 11–44 s
 * attaching its network interface and about a minute pulling a 250–900 MB image before the app
 * answers; a GPU task may first wait for an EC2 instance to join the cluster (~146 s) under managed
 * scaling from zero. 60 s, the process default, would fail ordinary image apps as launch-timeout.
 */
const ECS_LAUNCH_TIMEOUT_MS = 5 * 60_000;
const ECS_GPU_LAUNCH_TIMEOUT_MS = 10 * 60_000;

export const ecsAppDefaults = {
  launchTimeoutMs: (app: { resources: { gpus: number } }) =>
    app.resources.gpus > 0 ? ECS_GPU_LAUNCH_TIMEOUT_MS : ECS_LAUNCH_TIMEOUT_MS,
};
