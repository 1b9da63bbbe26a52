import type { AppSpec } from '../../../domain/app';

/**
 * What ECS can run: an app with an `image`, or one the stack builds (`build`), for which it made a
 * task definition. A user's
 * own image needs a task definition of its own, which RunTask cannot override; until the
 * task-definition registry registers one (#14), such a launch is refused rather than run with the
 * app's default image while the API reports the user's.
 */
export function ecsCannotRun(app: AppSpec, image?: string): string | undefined {
  if (!app.image && !app.build) return `app ${app.name} has no image, so this deployment has no task definition for it`;
  if (image !== undefined && image !== app.image) return `app ${app.name} runs its own image here; launching another image is not supported on ECS yet`;
  return undefined;
}

/**
 * Launch timeouts on ECS, for apps whose file does not set one. A Fargate task spends 11–44 s
 * attaching its network interface and about a minute pulling a 250–900 MB image before the app
 * answers; a GPU task may first wait for an EC2 instance to join the cluster (~146 s) under managed
 * scaling from zero. 25 s, the process default, would fail ordinary image apps as launch-timeout.
 */
const ECS_LAUNCH_TIMEOUT_MS = 5 * 60_000;
const ECS_GPU_LAUNCH_TIMEOUT_MS = 10 * 60_000;

export const ecsAppDefaults = {
  launchTimeoutMs: (app: { resources: { gpus: number } }) => (app.resources.gpus > 0 ? ECS_GPU_LAUNCH_TIMEOUT_MS : ECS_LAUNCH_TIMEOUT_MS),
};
