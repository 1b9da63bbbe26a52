import type { RouteGroup } from '../../shared/config/api-routes';
import type { GroupMount } from './context';
import { catalogGroup } from './routes/apps';
import { readGroup } from './routes/sessions-read';
import { writeGroup } from './routes/sessions-write';
import { skahaGroup } from './routes/skaha';
import { launcherGroup } from './routes/wslink-launcher';

/**
 * Every route group: what the local server mounts. A Lambda entry imports only its own groups, so its bundle holds only
 * their code.
 */
export const ALL_GROUPS = {
  read: readGroup,
  write: writeGroup,
  catalog: catalogGroup,
  launcher: launcherGroup,
  skaha: skahaGroup,
} satisfies Record<RouteGroup, GroupMount>;
