import type { AppSpec } from '../../../domain/app';

/**
 * What this machine's processes can run: an app with a command. An app with only an image needs
 * a container runtime. A launch that names its own image (an app with customImage) runs the app's
 * command, which is told the image (`${image}`, SESSION_IMAGE) and may run it.
 */
export function localCannotRun(app: AppSpec, _image?: string): string | undefined {
  if (app.command.length === 0) return `app ${app.name} names only an image, and this server runs processes, not containers`;
  return undefined;
}
