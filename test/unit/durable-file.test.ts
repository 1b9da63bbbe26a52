import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileDurablyAsync } from '../../shared/adapters/in-process/durable-file';

describe('writeFileDurablyAsync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-durable-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the whole file in place, replacing an older one, and leaves no temporary file', async () => {
    await writeFileDurablyAsync(join(dir, 'a.json'), '{"v":1}');
    await writeFileDurablyAsync(join(dir, 'a.json'), '{"v":2}');
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('{"v":2}');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('keeps an existing file when exclusive (EEXIST), and leaves no temporary file', async () => {
    await expect(writeFileDurablyAsync(join(dir, 'a.json'), 'other', { exclusive: true })).rejects.toMatchObject({
      code: 'EEXIST',
    });
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('{"v":2}');
    await writeFileDurablyAsync(join(dir, 'b.json'), 'b', { exclusive: true });
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json']);
  });

  it('leaves no temporary file when it cannot move the new one into place', async () => {
    mkdirSync(join(dir, 'taken'));
    mkdirSync(join(dir, 'taken', 'inside'));
    await expect(writeFileDurablyAsync(join(dir, 'taken'), 'x')).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json', 'taken']);
  });
});
