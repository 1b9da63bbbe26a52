import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import type { AppSpec } from '../../shared/domain/app';
import { launchChromium } from './chromium';
import { startTestPlane, type TestPlane } from './plane';
import { testUsers } from './users';

/**
 * What a portal test in Chromium needs, made before its tests and disposed after (call it inside the `describe`): the
 * local plane with these apps and real sign-in for these users (a tokens file), served on a free port, and Chromium.
 * `errors` collects the pages' console errors (signedInPage fills it).
 */
export function browserPlane<U extends string>(
  people: Parameters<typeof testUsers<U>>[0],
  apps: Record<string, AppSpec>,
  env: Record<string, string> = {},
) {
  const users = testUsers(people);
  const at = {
    users,
    errors: [] as string[],
    plane: undefined as unknown as TestPlane,
    server: undefined as unknown as LocalServer,
    browser: undefined as unknown as Browser,
  };
  beforeAll(async () => {
    at.plane = await startTestPlane(apps, { SESSIONPLANE_AUTH_TOKENS: users.path, ...env }, { realAuth: true });
    at.server = await at.plane.listen();
    at.browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await at.browser?.close();
    await at.plane?.dispose();
    users.dispose();
  });
  return at;
}
