import { describe, expect, it } from 'vitest';
import { HOME_UID_BASE } from '../../shared/domain/homes';
import type { Homes } from '../../shared/ports/homes';

/**
 * What every Homes does (shared/ports/homes.ts), on one machine or on AWS: a user's home made on
 * first use, once however many first launches race, with a uid and gid of its own that never
 * changes; every home listed with its owner. `homes()` gives the adapter over a fresh store.
 */
export function homesContract(name: string, homes: () => Homes): void {
  describe(`Homes contract: ${name}`, () => {
    it('makes one home for ten first launches at once, with a uid of its own above the system ranges', async () => {
      const made = await Promise.all(Array.from({ length: 10 }, () => homes().ensure('carol@example.org')));
      expect(new Set(made.map((h) => h.uid)).size).toBe(1);
      expect(new Set(made.map((h) => h.path ?? h.accessPointId)).size).toBe(1);
      expect(made[0]!.uid).toBeGreaterThanOrEqual(HOME_UID_BASE);
      expect(made[0]!.owner).toBe('carol@example.org');
    });

    it('keeps a home for good: a later ensure gives the same one', async () => {
      const first = await homes().ensure('dave');
      const again = await homes().ensure('dave');
      expect(again).toMatchObject({ uid: first.uid, gid: first.gid, owner: 'dave' });
      expect(again.path ?? again.accessPointId).toBe(first.path ?? first.accessPointId);
    });

    it('gives each user a uid of their own, and lists every home with its owner', async () => {
      const [erin, frank] = await Promise.all([homes().ensure('erin'), homes().ensure('Frank@Example.org')]);
      expect(erin.uid).not.toBe(frank.uid);
      const listed = await homes().list();
      for (const home of [erin, frank])
        expect(listed.find((h) => h.owner === home.owner)).toMatchObject({ uid: home.uid, gid: home.gid });
    });
  });
}
