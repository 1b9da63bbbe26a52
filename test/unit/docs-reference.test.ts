import { describe, expect, it } from 'vitest';
import { references } from '../../scripts/reference';

/** #34: the apps-file and configuration references are what the zod schemas say (`npm run docs` writes them). */
describe('the generated references', () => {
  it.each(references())('$path is current', ({ current, wanted }) => {
    expect(current).toBe(wanted);
  });
});
