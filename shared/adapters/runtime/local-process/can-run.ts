import type { AppSpec } from '../../../domain/app';

/** What this machine's processes can run: an app with a command. An image alone needs a container runtime. */
export function localCannotRun(app: AppSpec, image?: string): string | undefined {
  if (app.command.length === 0) return `app ${app.name} names only an image, and this server runs processes, not containers`;
  if (image !== undefined && image !== app.image) return 'this server runs processes, not containers: it cannot run another image';
  return undefined;
}
