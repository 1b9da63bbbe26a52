import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureSecretFile } from '../../../functions/local/credentials';
import { ConfigError } from '../../../shared/domain/errors';

const dir = () => mkdtempSync(join(tmpdir(), 'sp-cred-'));

describe('ensureSecretFile', () => {
  it('makes a 32-byte hex secret, mode 0600, and leaves no temporary file', () => {
    const d = dir();
    const path = join(d, 'sub', 'token-key');
    const secret = ensureSecretFile(path);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(d, 'sub'))).toEqual(['token-key']);
    expect(ensureSecretFile(path)).toBe(secret);
  });

  it.each([
    ['empty', ''],
    ['only a newline', '\n'],
    ['base64', `${Buffer.alloc(32, 7).toString('base64')}\n`],
    ['odd-length hex', `${'a'.repeat(65)}\n`],
    ['too short', `${'ab'.repeat(31)}\n`],
    ['hex with junk', `${'ab'.repeat(32)} x\n`],
  ])('refuses a %s key, naming the file', (_name, content) => {
    const path = join(dir(), 'token-key');
    writeFileSync(path, content, { mode: 0o600 });
    expect(() => ensureSecretFile(path)).toThrow(ConfigError);
    expect(() => ensureSecretFile(path)).toThrow(path);
    expect(readFileSync(path, 'utf8')).toBe(content); // left for the operator to see
  });

  it('accepts a longer key in either case', () => {
    const path = join(dir(), 'token-key');
    writeFileSync(path, `${'AbCd'.repeat(24)}\n`, { mode: 0o600 });
    expect(ensureSecretFile(path)).toBe('AbCd'.repeat(24));
  });

  it('refuses a key other users can read', () => {
    const path = join(dir(), 'admin-token');
    writeFileSync(path, `${'ab'.repeat(32)}\n`);
    chmodSync(path, 0o644);
    expect(() => ensureSecretFile(path)).toThrow(/chmod 600/);
  });

  it('stops `npm start` with exit 2 and one message naming the weak file (token key and admin token)', () => {
    for (const file of ['token-key', 'admin-token']) {
      const data = dir();
      writeFileSync(join(data, file), '\n', { mode: 0o600 });
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'functions/local/main.ts'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', SESSIONPLANE_DATA_DIR: data },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`Weak secret file ${join(data, file)}`);
      expect(run.stderr).toContain('the file is empty');
      expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
      expect(readdirSync(data).filter((f) => f === 'db')).toEqual([]); // nothing started
    }
  });
});

describe('a damaged store', () => {
  it('stops `npm start` with exit 2 and one clear message, no stack trace (#11 m4)', () => {
    const data = dir();
    mkdirSync(join(data, 'db'));
    writeFileSync(join(data, 'db', 'CURRENT'), 'MANIFEST-000099\n'); // names a manifest that is not there
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'functions/local/main.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', SESSIONPLANE_DATA_DIR: data },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`Cannot open the embedded store in ${join(data, 'db')}`);
    expect(run.stderr).toContain('move the folder aside');
    expect(run.stderr).not.toContain('Database is closed');
    expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});
