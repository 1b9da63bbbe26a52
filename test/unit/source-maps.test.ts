import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleWithMap } from '../support/bundle';

const run = promisify(execFile);

/** #39: a bundle's stack traces name its sources' lines without `--enable-source-maps` (its cost at every cold start). */
describe('stack traces of a bundle, mapped on the first one read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-maps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the source file and line where the map is beside the bundle, and leaves them as they are where not', async () => {
    const { code, map } = await bundleWithMap('test/support/fixtures/throws-bundled.ts');
    const file = join(dir, 'index.mjs');
    writeFileSync(file, code);
    writeFileSync(`${file}.map`, map);
    const env = { PATH: process.env.PATH ?? '' }; // no NODE_OPTIONS: no --enable-source-maps
    const mapped = (await run(process.execPath, [file], { env })).stdout;
    expect(mapped).toMatch(/^Error: it failed on line 7\n/);
    expect(mapped).toMatch(/\(.*test\/support\/fixtures\/throws-bundled\.ts:7:9\)/);
    // Without its map: the bundle's own positions (minified, one line), nothing made up.
    rmSync(`${file}.map`);
    const plain = (await run(process.execPath, [file], { env })).stdout;
    expect(plain).not.toContain('throws-bundled.ts');
    expect(plain).toMatch(/index\.mjs:\d+:\d+/);
  });
});
