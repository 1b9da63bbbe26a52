import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { AppSpec } from '../domain/app';
import { ConfigError } from '../domain/errors';
import { parseAppsAt } from './apps';
import { fromLauncherFile, isLauncherFile, parseJsonWithComments } from './wslink-launcher-file';

/**
 * Reads and validates an apps file: YAML (trame's apps.yml keys and ours), or a wslink launcher's `launcher.json` as it
 * is. Commands run in the file's folder unless `cwd` says otherwise.
 */
export function loadAppsFile(path: string): Map<string, AppSpec> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read apps file ${path}`, [(cause as Error).message]);
  }
  if (extname(path).toLowerCase() === '.json') {
    const doc = parseJsonWithComments(text, path);
    if (isLauncherFile(doc)) return fromLauncherFile(doc, path, dirname(resolve(path)));
    return parseAppsAt(path, withIconsRead(doc, dirname(resolve(path))));
  }
  return parseAppsAt(path, readAppsYaml(path, text));
}

/** The YAML document of an apps file (the stack writes it out as JSON for the functions). */
export function readAppsYaml(path: string, text = readFileSync(path, 'utf8')): unknown {
  try {
    return withIconsRead(parseYaml(text), dirname(resolve(path)));
  } catch (cause) {
    if (cause instanceof ConfigError) throw new ConfigError(`Bad apps file ${path}`, cause.problems);
    const where = cause instanceof YAMLParseError && cause.linePos ? ` (line ${cause.linePos[0].line})` : '';
    throw new ConfigError(`Bad apps file ${path}`, [
      `not valid YAML${where}: ${(cause as Error).message.split('\n')[0]}`,
    ]);
  }
}

const ICON_TYPES: Record<string, string> = { '.png': 'image/png', '.svg': 'image/svg+xml' };

/**
 * Each app's `icon` that names a PNG or SVG file (beside the apps file) read in as a data: URL, so the functions on AWS
 * need no file.
 */
function withIconsRead(doc: unknown, baseDir: string): unknown {
  if (!doc || typeof doc !== 'object') return doc;
  for (const [name, app] of Object.entries(doc as Record<string, unknown>)) {
    const icon = (app as { icon?: unknown } | null)?.icon;
    if (typeof icon !== 'string' || icon.startsWith('data:')) continue;
    const type = ICON_TYPES[extname(icon).toLowerCase()];
    if (!type) throw new ConfigError('Bad apps file', [`app ${name}: icon: a .png or .svg file, or a data: URL`]);
    let bytes: Buffer;
    try {
      bytes = readFileSync(resolve(baseDir, icon));
    } catch (cause) {
      throw new ConfigError('Bad apps file', [
        `app ${name}: icon: cannot read ${icon}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`,
      ]);
    }
    (app as { icon: string }).icon = `data:${type};base64,${bytes.toString('base64')}`;
  }
  return doc;
}
