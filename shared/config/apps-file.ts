import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { AppSpec } from '../domain/app';
import { ConfigError } from '../domain/errors';
import { parseAppsAt } from './apps';

/** Reads and validates a YAML apps file; commands run in the file's folder unless `cwd` says otherwise. */
export function loadAppsFile(path: string): Map<string, AppSpec> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read apps file ${path}`, [(cause as Error).message]);
  }
  return parseAppsAt(path, readAppsYaml(path, text));
}

/** The YAML document of an apps file (the stack writes it out as JSON for the functions). */
export function readAppsYaml(path: string, text = readFileSync(path, 'utf8')): unknown {
  try {
    return parseYaml(text);
  } catch (cause) {
    const where = cause instanceof YAMLParseError && cause.linePos ? ` (line ${cause.linePos[0].line})` : '';
    throw new ConfigError(`Bad apps file ${path}`, [`not valid YAML${where}: ${(cause as Error).message.split('\n')[0]}`]);
  }
}
