import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Python wslink 1.9.3 (ParaView 5.11's era; its JSON protocol is what pvw-visualizer 3.2.0 speaks), beside the project. */
const WSLINK_TGZ = resolve('../shared/tools/wslink-1.9.3-python.tgz');

export interface ParaViewTier {
  /** The Visualizer's built web client (served as the app's own page) and its server script. */
  client: string;
  server: string;
  /** PYTHONPATH with wslink 1.9.3. */
  pythonPath: string;
  /** A shared X server (Debian's ParaView renders through GLX). */
  display: string;
  /** A folder with wavelet.vti, made by ParaView's own Wavelet source. */
  dataDir: string;
  close(): void;
}

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/**
 * The real ParaViewWeb tier (../shared/reference/paraviewweb.md): Debian's ParaView, Python wslink
 * 1.9.3, the npm pvw-visualizer 3.2.0 as published, under Xvfb. Without one of them: the reason
 * (CI installs them all and fails instead).
 */
export function paraviewTier(): ParaViewTier | { reason: string } {
  const missing = !has('pvpython', ['--version'])
    ? 'pvpython (Debian: paraview python3-paraview)'
    : !has('Xvfb', ['-help'])
      ? 'Xvfb (Debian: xvfb)'
      : !has('/usr/bin/python3', ['-c', 'import aiohttp'])
        ? 'aiohttp (Debian: python3-aiohttp)'
        : !existsSync(WSLINK_TGZ)
          ? `${WSLINK_TGZ}`
          : undefined;
  if (missing) {
    if (process.env.CI) throw new Error(`CI must run the ParaViewWeb tier, but ${missing} is missing.`);
    return { reason: `the ParaViewWeb tier needs ${missing}` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sp-pvw-'));
  const pythonPath = join(dir, 'wslink');
  mkdirSync(pythonPath);
  execFileSync('tar', ['-xzf', WSLINK_TGZ, '-C', pythonPath]);
  // The Visualizer as npm publishes it: its dist/ (the web client) and server/pvw-visualizer.py.
  execFileSync('npm', ['pack', 'pvw-visualizer@3.2.0', '--pack-destination', dir, '--silent'], { stdio: 'ignore' });
  execFileSync('tar', ['-xzf', join(dir, 'pvw-visualizer-3.2.0.tgz'), '-C', dir]);
  // A display nobody holds; -noreset, or Xvfb resets when pvpython's probe disconnects (paraviewweb.md).
  const taken = new Set(existsSync('/tmp/.X11-unix') ? readdirSync('/tmp/.X11-unix') : []);
  let n = 90;
  while (taken.has(`X${n}`)) n++;
  const display = `:${n}`;
  const xvfb = spawn('Xvfb', [display, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp', '-noreset'], {
    stdio: 'ignore',
    detached: true,
  });
  for (let i = 0; i < 100 && !existsSync(`/tmp/.X11-unix/X${n}`); i++) spawnSync('sleep', ['0.1']);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  execFileSync('pvpython', ['-c', "from paraview.simple import *; SaveData('wavelet.vti', proxy=Wavelet())"], {
    cwd: dataDir,
    env: { ...process.env, DISPLAY: display },
    stdio: 'ignore',
  });
  return {
    client: join(dir, 'package', 'dist'),
    server: join(dir, 'package', 'server', 'pvw-visualizer.py'),
    pythonPath,
    display,
    dataDir,
    close: () => {
      try {
        process.kill(-xvfb.pid!, 'SIGTERM');
      } catch {}
    },
  };
}

/** The apps file a trame image's operator would write for the Visualizer (its launcher.json's app, as YAML). */
export function visualizerApps(tier: ParaViewTier): string {
  const cmd = [
    'pvpython',
    '--force-offscreen-rendering',
    tier.server,
    '--host',
    '${host}',
    '--port',
    '${port}',
    '--authKey',
    '${secret}',
    '--data',
    tier.dataDir,
    '--load-file',
    'wavelet.vti',
    '--timeout',
    '300',
  ];
  return [
    'visualizer:',
    '  description: ParaViewWeb Visualizer',
    `  cmd: ${JSON.stringify(cmd)}`,
    '  ready_line: Starting factory',
    // Opened through its web client (SESSIONPLANE_WWW, its dist/): Open goes to /visualizer.html?sessionId=…
    '  client: www',
    '  launchTimeout: 120s',
    `  env: { DISPLAY: "${tier.display}", PYTHONPATH: "${tier.pythonPath}" }`,
    '  resources: { cpu: 1, memory: 1Gi }',
    '',
  ].join('\n');
}
