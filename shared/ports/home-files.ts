import type { Readable } from 'node:stream';
import type { HomeEntry, HomeUsage } from '../domain/home-files';

/** A file being read: its bytes as a stream, and what they are. */
export interface HomeFile {
  size: number;
  modifiedAt: string;
  stream: Readable;
}

/** Users' files in their homes, by path segments (shared/domain/home-files.ts homePath). */
export interface HomeFiles {
  /** A folder's entries, or undefined when the path is a file (then `read` it). */
  list(owner: string, path: string[]): Promise<HomeEntry[] | undefined>;
  read(owner: string, path: string[]): Promise<HomeFile>;
  /**
   * Writes a file whole from a stream: to a temporary name beside it, then renamed into place (a reader never sees
   * half), folders made as needed. Refused (nothing left behind) past `maxBytes` or the home's quota.
   */
  write(owner: string, path: string[], body: Readable, maxBytes: number): Promise<{ size: number; created: boolean }>;
  /** Removes a file or an empty folder. */
  remove(owner: string, path: string[]): Promise<void>;
  usage(owner: string): Promise<HomeUsage>;
}
