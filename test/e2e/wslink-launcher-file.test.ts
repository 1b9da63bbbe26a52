import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import type { ConfigError } from '../../shared/domain/errors';
import { startTestPlane, type TestPlane } from '../support/plane';
import { testPortRange } from '../support/ports';
import { startServer } from '../support/server';
import { waitFor } from '../support/wait';

/*
 * #35: a wslink launcher's config, as it is (SESSIONPLANE_APPS=launcher.json). The config is wslink's
 * own sample, the `sample_config_file` text of wslink 1.9.3's launcher.py (from ../shared/tools/).
 */
const WSLINK_TGZ = resolve('../shared/tools/wslink-1.9.3-python.tgz');
const reason = existsSync(WSLINK_TGZ) ? undefined : `needs ${WSLINK_TGZ}`;
if (reason && process.env.CI) throw new Error(`CI must run the wslink launcher file test, but it ${reason}.`);

/** The sample as wslink 1.9.3 prints it (its first line is prose: "Here is a sample of …"). */
function wslinkSample(dir: string): { text: string; pythonPath: string } {
  const pythonPath = join(dir, 'wslink');
  mkdirSync(pythonPath);
  execFileSync('tar', ['-xzf', WSLINK_TGZ, '-C', pythonPath]);
  const source = readFileSync(join(pythonPath, 'wslink', 'launcher.py'), 'utf8');
  const doc = /sample_config_file = """\n.*\n([\s\S]*?)"""/.exec(source)![1]!;
  return { text: doc, pythonPath };
}

/** Whether wslink's own parser (launcher.py's remove_comments, then json.loads) reads the text. */
function wslinkReads(pythonPath: string, file: string): boolean {
  const code = `import json, sys; from wslink.launcher import remove_comments; json.loads(remove_comments(open(sys.argv[1]).read()))`;
  return (
    spawnSync('/usr/bin/python3', ['-c', code, file], { env: { PYTHONPATH: pythonPath }, stdio: 'ignore' }).status === 0
  );
}

/** A stand-in for vtkpython/pvpython: records its argv, says wslink's ready line, listens on its --port. */
const FAKE_PYTHON = `#!/usr/bin/env node
const { writeFileSync } = require('node:fs');
const { createServer } = require('node:http');
const args = process.argv.slice(2);
writeFileSync(__dirname + '/argv-' + process.pid + '.json', JSON.stringify(args));
createServer((q, s) => s.end('ok')).listen(Number(args[args.indexOf('--port') + 1]), '127.0.0.1', () =>
  console.log('Starting factory'),
);
`;

(reason ? describe.skip : describe)(`a wslink launcher.json as it is${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-wslink-file-'));
  const dataDir = join(dir, 'data');
  const python = join(dir, 'python');
  let sample: { text: string; pythonPath: string };
  let plane: TestPlane;
  let server: LocalServer;
  const post = (body: unknown) =>
    fetch(`${server.url}/paraview/`, { method: 'POST', body: JSON.stringify(body), headers: { 'x-test-user': 'wes' } });
  /** The argv each launch's process recorded, in start order. */
  const argvs = () =>
    readdirSync(dir)
      .filter((f) => f.startsWith('argv-'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as string[]);

  beforeAll(async () => {
    sample = wslinkSample(dir);
    mkdirSync(dataDir);
    writeFileSync(python, FAKE_PYTHON);
    chmodSync(python, 0o755);
  });
  afterAll(async () => plane?.dispose());

  it("refuses the sample exactly where wslink's own parser does (its missing comma and brace), naming the line", () => {
    const asPrinted = join(dir, 'as-printed.json');
    writeFileSync(asPrinted, sample.text);
    expect(wslinkReads(sample.pythonPath, asPrinted)).toBe(false);
    let problems: string[] = [];
    try {
      loadAppsFile(asPrinted);
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    // Line 18: the "sanitize" key after "fields" with no comma between them.
    expect(problems).toEqual([`not valid JSON: invalid character '"' at 18:13`]);
    expect(sample.text.split('\n')[17]).toMatch(/^\s*"sanitize": \{/);
  });

  it('loads the sample with those two fixes, as wslink does: every app, its properties filled in, its request keys', () => {
    const fixed = sample.text
      .replace('"fields" : ["file", "host", "port"]', '"fields" : ["file", "host", "port"],')
      .replace(/("ready_line": "Output line from your shell script indicating process is ready"\n)/, '$1        }\n');
    const path = join(dir, 'launcher.json');
    writeFileSync(path, fixed);
    expect(wslinkReads(sample.pythonPath, path)).toBe(true);
    const apps = loadAppsFile(path);
    expect([...apps.keys()]).toEqual([
      'cone',
      'graph',
      'phylotree',
      'filebrowser',
      'data_prober',
      'visualizer',
      'loader',
      'launcher',
      'your_app',
    ]);
    const viz = apps.get('visualizer')!;
    expect(viz.command.slice(0, 3)).toEqual([
      '/.../ParaView/build/bin/pvpython',
      '-dr',
      '/.../ParaView/build/lib/site-packages/paraview/web/pv_web_visualizer.py',
    ]);
    expect(viz.command).toContain('/.../path/to/data/directory/${fileToLoad}');
    expect(viz.ready).toEqual({ kind: 'line', line: 'Starting factory' });
    expect(viz.launchTimeoutMs).toBe(25_000);
    expect(Object.keys(viz.params)).toEqual(['fileToLoad']);
    // `$port` (no braces) is wslink's too.
    expect(apps.get('cone')!.command).toContain('${port}');
    expect(Object.keys(apps.get('graph')!.params)).toEqual(['numberOfVertices', 'numberOfEdges']);
  });

  it("starts the sample's visualizer with its properties pointed here: a request's ${fileToLoad} reaches the command, a property cannot be replaced, a bad value is sanitized to the default", async () => {
    const doc = sample.text
      .replace('"fields" : ["file", "host", "port"]', '"fields" : ["file", "host", "port", "secret", "key"],')
      .replace(/("ready_line": "Output line from your shell script indicating process is ready"\n)/, '$1        }\n')
      // What its operator edits: the sample's placeholder paths, and a rule for the key the page sends.
      .replaceAll('/.../ParaView/build/bin/pvpython', python)
      .replaceAll('/.../path/to/data/directory', dataDir)
      .replace(
        '"sanitize": {',
        '"sanitize": { "fileToLoad": { "type": "regexp", "regexp": "^[A-Za-z0-9_.-]+$", "default": "wavelet.vti" },',
      );
    const path = join(dir, 'launcher-here.json');
    writeFileSync(path, doc);
    plane = await startTestPlane(Object.fromEntries(loadAppsFile(path)), { SESSIONPLANE_LAUNCHER_TIMEOUT: '60s' });
    server = await plane.listen();

    const first = await post({ application: 'visualizer', fileToLoad: 'can.ex2', pvpython: '/bin/sh' });
    expect(first.status).toBe(200);
    const reply = (await first.json()) as { id: string; secret: string; sessionURL: string; host?: string };
    expect(reply.sessionURL).toContain(`sessionId=${reply.id}`);
    // The sample's sessionData, named in fields; never the process's own host and port.
    expect(reply).toMatchObject({ key: 'value' });
    expect(reply.host).toBeUndefined();
    const [argv] = await waitFor(async () => (argvs().length === 1 ? argvs() : undefined), 30_000, 'one process');
    expect(argv).toEqual([
      '-dr',
      '/.../ParaView/build/lib/site-packages/paraview/web/pv_web_visualizer.py',
      '--plugins',
      '/.../ParaView/build/lib/libPointSprite_Plugin.so',
      '--port',
      expect.stringMatching(/^\d+$/),
      '--data-dir',
      dataDir,
      '--load-file',
      `${dataDir}/can.ex2`,
      '--authKey',
      reply.secret,
      '-f',
    ]);

    const second = await post({ application: 'visualizer', fileToLoad: '../../etc/passwd' });
    expect(second.status).toBe(200);
    const both = await waitFor(async () => (argvs().length === 2 ? argvs() : undefined), 30_000, 'two processes');
    const sanitized = both.find((a) => !a.includes(`${dataDir}/can.ex2`))!;
    expect(sanitized[sanitized.indexOf('--load-file') + 1]).toBe(`${dataDir}/wavelet.vti`);
    expect(sanitized.join(' ')).not.toContain('passwd');
  }, 90_000);

  it('runs the server as the file says where the environment does not: its content, its endpoint, its log_dir, its ports', async () => {
    const [lo, hi] = testPortRange();
    const content = join(dir, 'content');
    mkdirSync(content);
    writeFileSync(join(content, 'index.html'), '<!doctype html><title>content</title>');
    const doc = sample.text
      .replace('"fields" : ["file", "host", "port"]', '"fields" : ["file", "host", "port"],')
      .replace(/("ready_line": "Output line from your shell script indicating process is ready"\n)/, '$1        }\n')
      .replaceAll('/.../ParaView/build/bin/pvpython', python)
      .replaceAll('/.../path/to/data/directory', dataDir)
      .replace('"endpoint": "paraview"', '"endpoint": "viz-launcher"')
      .replace('"content": "/.../www"', `"content": "${content}"`)
      .replace('"log_dir" : "/.../viz-logs"', `"log_dir" : "${join(dir, 'viz-logs')}"`)
      .replace('"port_range" : [9001, 9003]', `"port_range" : [${lo}, ${hi}]`);
    const path = join(dir, 'launcher-server.json');
    writeFileSync(path, doc);
    const before = argvs().length;
    const started = await startServer({
      SESSIONPLANE_APPS: path,
      SESSIONPLANE_WWW: undefined as unknown as string,
      SESSIONPLANE_PORT_RANGE: undefined as unknown as string,
    });
    try {
      expect(await (await fetch(`${started.base}/index.html`)).text()).toContain('<title>content</title>');
      const res = await started.api('/viz-launcher/', {
        method: 'POST',
        body: JSON.stringify({ application: 'visualizer', fileToLoad: 'can.ex2' }),
      });
      expect(res.status).toBe(200);
      const { id } = (await res.json()) as { id: string };
      const argv = await waitFor(async () => argvs()[before], 30_000, 'its process');
      const port = Number(argv[argv.indexOf('--port') + 1]);
      expect(port).toBeGreaterThanOrEqual(lo);
      expect(port).toBeLessThanOrEqual(hi);
      const log = join(dir, 'viz-logs', `${id}.txt`);
      await waitFor(
        async () => existsSync(log) && readFileSync(log, 'utf8').includes('Starting factory'),
        30_000,
        'its log in log_dir',
      );
    } finally {
      await started.stop();
    }
  }, 120_000);
});
