import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../support/server';

/**
 * #34: the shell blocks of the README's walk-through and of the tutorial, run as written, in order,
 * in one bash each, against `npm start`'s server (on a free port: the reader's is 8080) after the
 * `export` lines it prints, as a reader copies them. The README's set-up block is CI itself (`npm
 * ci`, then `npm test`) and `npm start` (test/e2e/npm-start.test.ts).
 */
function shellBlocks(path: string, from?: string, to?: string): string {
  let text = readFileSync(path, 'utf8');
  if (from) text = text.slice(text.indexOf(from), to ? text.indexOf(to) : undefined);
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length, `${path} has shell blocks`).toBeGreaterThan(2);
  return blocks.join('\n');
}

describe('the shell blocks of the README and the tutorial', () => {
  let server: ServerProcess;
  let exports: string;
  beforeAll(async () => {
    // As `npm start` runs: its default session domain (each session on <id>.localhost).
    server = await startServer({ SESSIONPLANE_SESSION_DOMAIN: 'localhost' });
    exports = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('  export '))
      .join('\n');
  });
  afterAll(async () => server?.stop());

  const run = async (script: string) => {
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `${exports}\n${script}`], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeout: 120_000,
    });
    return stdout;
  };

  it('prints the two exports the docs start from', () => {
    expect(exports).toContain(`export SESSIONPLANE_URL=${server.base}`);
    expect(exports).toContain(`export SESSIONPLANE_TOKEN=${server.adminToken}`);
  });

  it("runs the README's walk-through: a READY echo session echoes, hello greets, both stop", async () => {
    const out = await run(shellBlocks('README.md', '## Walk-through', '## Documentation'));
    expect(out).toMatch(/"status": "READY"/);
    expect(out).toContain('hello through the router');
    expect(out).toContain('Hi there');
    expect(out).toMatch(/[0-9a-f]{32} echo READY/);
    expect(out.trimEnd().split('\n').slice(-2)).toEqual(['STOPPED', 'STOPPED']);
  });

  it('runs the tutorial: settings, a refusal, the launch followed, renew, share, stop and usage', async () => {
    const out = await run(shellBlocks('docs/tutorial.md'));
    expect(out).toContain('hello: A small HTTP page');
    expect(out).toContain('params.GREETING: must match');
    expect(out).toMatch(/100% ready: The app is ready\./);
    expect(out).toContain('Good morning');
    expect(out).toMatch(/bob until \d{4}-/);
    expect(out).toContain('\n204\n');
    expect(out).toContain('stopped: Stopped (user).');
    expect(out).toMatch(/admin: \d+ sessions/);
  });

  it('runs the jobs how-to: one completes with its output, one fails with exit code 3, a bad argument is refused', async () => {
    const out = await run(shellBlocks('docs/how-to/jobs.md'));
    expect(out).toContain(
      '{"status":"COMPLETED","exitCode":0,"output":["args: [\\"--chunk=7\\"]","item 1 of 5","item 2 of 5","item 3 of 5","item 4 of 5","item 5 of 5","done, exiting 0"]}',
    );
    expect(out).toContain('job-failed: exit code 3 (exit code 3)');
    expect(out).toMatch(/Z done, exiting 3\n/);
    expect(out).toContain('args[0]: must match [A-Za-z0-9_./=:,@%+-]{1,1024}');
  });
});
