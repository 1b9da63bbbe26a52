import { describe, expect, it } from 'vitest';
import type { ImageSource } from '../../shared/ports/image-source';

export interface ImageSourceHarness {
  source(): ImageSource;
  /** Publishes an image where the source looks (built or pushed); its reference as the source names it. */
  publish(name: string, tag: string, labels: Record<string, string>): Promise<string>;
}

/**
 * What every ImageSource does (shared/ports/image-source.ts): every image there, each tag by its
 * reference, with the labels its configuration carries (unlabelled images too: the caller picks).
 */
export function imageSourceContract(name: string, harness: () => ImageSourceHarness): void {
  describe(`ImageSource contract: ${name}`, () => {
    it('lists a published image by its reference, with its labels', async () => {
      const h = harness();
      const ref = await h.publish('contract-viz', '1', {
        'org.sessionplane.title': 'Contract viz',
        'org.sessionplane.resources': '{"cpu": 1}',
      });
      const found = (await h.source().list()).find((i) => i.image === ref);
      expect(found, `${ref} listed`).toBeDefined();
      expect(found!.labels).toMatchObject({
        'org.sessionplane.title': 'Contract viz',
        'org.sessionplane.resources': '{"cpu": 1}',
      });
      if (found!.created !== undefined) expect(found!.created).toBeGreaterThan(Date.parse('2020-01-01'));
    });

    it('lists each tag, and images without our labels too', async () => {
      const h = harness();
      const one = await h.publish('contract-tags', '1', { 'org.sessionplane.title': 'One' });
      const two = await h.publish('contract-tags', '2', { 'org.sessionplane.title': 'Two' });
      const plain = await h.publish('contract-plain', '1', {});
      const listed = new Map((await h.source().list()).map((i) => [i.image, i.labels]));
      expect(listed.get(one)).toMatchObject({ 'org.sessionplane.title': 'One' });
      expect(listed.get(two)).toMatchObject({ 'org.sessionplane.title': 'Two' });
      expect(listed.has(plain)).toBe(true);
      expect(listed.get(plain)?.['org.sessionplane.title']).toBeUndefined();
    });
  });
}
