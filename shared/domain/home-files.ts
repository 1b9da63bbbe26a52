import { ValidationError } from './errors';

/*
 * A person's files in their home, through the API (#38: Open OnDemand's Files app, skaha's storage service): paths are
 * relative to the home, checked here once for every door; the adapter also refuses any symbolic link on the way (a
 * session may have made one that points out of the home).
 */

/** One entry of a folder's listing. */
export interface HomeEntry {
  name: string;
  type: 'file' | 'folder';
  /** Bytes (files). */
  size?: number;
  modifiedAt: string;
}

/** What a home holds and may hold. */
export interface HomeUsage {
  bytes: number;
  quotaBytes: number;
}

const MAX_PATH = 1024;

/** A path in a home as a URL carries it (percent-encoded): decoded, then checked as homePath does. */
export function homePathOfUrl(encoded: string): string[] {
  let raw: string;
  try {
    raw = decodeURIComponent(encoded);
  } catch {
    throw new ValidationError('Not a path in your home: it is not valid percent-encoded UTF-8.', {
      problems: ['path: not valid percent-encoded UTF-8'],
    });
  }
  return homePath(raw);
}
const MAX_SEGMENT = 255;

/**
 * A path inside a home, as its segments: decoded, never `.`/`..`/empty (a trailing `/` is allowed), never a NUL,
 * a control character or a backslash, at most 1024 characters and 255 per segment. The home itself is `[]`.
 */
function homePath(raw: string): string[] {
  const fail = (why: string): never => {
    throw new ValidationError(`Not a path in your home: ${why}.`, { problems: [`path: ${why}`] });
  };
  if (raw.length > MAX_PATH) fail(`longer than ${MAX_PATH} characters`);
  const trimmed = raw.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return [];
  const segments = trimmed.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') fail('no empty, "." or ".." segment');
    if (s.length > MAX_SEGMENT) fail(`a name is longer than ${MAX_SEGMENT} characters`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (/[\u0000-\u001f\u007f\\]/.test(s)) fail('no control character or backslash');
  }
  return segments;
}
