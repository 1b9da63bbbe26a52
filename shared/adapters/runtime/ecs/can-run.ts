import type { AppSpec } from '../../../domain/app';

/**
 * What ECS can run: an app with an `image`, for which the stack made a task definition. A user's
 * own image needs a task definition of its own, which RunTask cannot override; until the
 * task-definition registry registers one (#14), such a launch is refused rather than run with the
 * app's default image while the API reports the user's.
 */
export function ecsCannotRun(app: AppSpec, image?: string): string | undefined {
  if (!app.image) return `app ${app.name} has no image, so this deployment has no task definition for it`;
  if (image !== undefined && image !== app.image) return `app ${app.name} runs its own image here; launching another image is not supported on ECS yet`;
  return undefined;
}
