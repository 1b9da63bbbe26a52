import * as z from 'zod';
import type { HomeInfo } from '../../../shared/domain/homes';

const HomeViewSchema = z.object({
  owner: z.string(),
  uid: z.number().int(),
  gid: z.number().int(),
  /** On AWS: the user's EFS access point. */
  accessPointId: z.string().optional(),
  /** On one machine: what the home holds, in bytes. */
  sizeBytes: z.number().optional(),
});
export const HomeListSchema = z.object({ homes: z.array(HomeViewSchema) });
type HomeView = z.infer<typeof HomeViewSchema>;

/** A user's home as an admin sees it. */
export function homeView(h: HomeInfo): HomeView {
  return {
    owner: h.owner,
    uid: h.uid,
    gid: h.gid,
    ...(h.accessPointId ? { accessPointId: h.accessPointId } : {}),
    ...(h.sizeBytes !== undefined ? { sizeBytes: h.sizeBytes } : {}),
  };
}
