import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileDurablyAsync } from '../../in-process/durable-file';
import { markedProcesses, processFacts } from './process-group';

/** Set in every session process's environment: `<run folder tag>/<session id>/<nonce>`. */
export const MARKER = 'SESSIONPLANE_INSTANCE';

/** Tells one data directory's session processes from another's: a hash of its run folder. */
export function runTag(runDir: string): string {
  return createHash('sha256').update(resolve(runDir)).digest('hex').slice(0, 16);
}

export interface PidRecord {
  sessionId: string;
  pid: number;
  /** The kernel's start time of the process, to tell it from a later one with the same pid. */
  startTime?: string;
  /** The value of MARKER in its environment. */
  marker: string;
}

function parsePidRecord(path: string): PidRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<PidRecord> | null;
    if (!r || typeof r.sessionId !== 'string' || typeof r.marker !== 'string' || typeof r.startTime !== 'string')
      return undefined;
    if (!Number.isSafeInteger(r.pid) || r.pid! < 2) return undefined;
    return r as PidRecord;
  } catch {
    return undefined;
  }
}

/**
 * The run folder's pid records, one durable file per session, and the identity checks they
 * allow: which process groups an earlier server run left, proven ours by the marker in their
 * environment (and, for a record, the recorded start time), never by a pid alone (#11 M2, m5).
 */
export class PidRecords {
  /** The marker prefix of this data directory's session processes. */
  readonly tag: string;

  constructor(private readonly runDir: string) {
    this.tag = runTag(runDir);
  }

  /** A fresh marker value for a session's process. */
  markerFor(sessionId: string, nonce: string): string {
    return `${this.tag}/${sessionId}/${nonce}`;
  }

  /** Durably, off the event loop: the process it names is held until this resolves. */
  write(record: PidRecord): Promise<void> {
    return writeFileDurablyAsync(join(this.runDir, `${record.sessionId}.json`), JSON.stringify(record));
  }

  /**
   * Off the event loop (#39: a synchronous unlink cost each launch about a millisecond of the server's time). A record
   * left by a crash before it is gone names a process that has ended: `strays` finds it dead and removes it.
   */
  remove(sessionId: string): void {
    rm(join(this.runDir, `${sessionId}.json`), { force: true }).catch(() => undefined);
  }

  /**
   * The process groups of sessions `tracked` does not know, by pgid, from the records (which are
   * removed as they are read) and from a scan of /proc for the marker (records can be lost).
   * Never the server's own group. `unreadable` hears of each record that could not be read.
   */
  strays(tracked: (sessionId: string) => boolean, unreadable: (file: string) => void): Map<number, string> {
    mkdirSync(this.runDir, { recursive: true });
    const groups = new Map<number, string>();
    const own = processFacts(process.pid);
    const consider = (pgid: number, sessionId: string) => {
      if (tracked(sessionId) || pgid <= 1 || pgid === process.pid || pgid === own?.pgrp) return;
      groups.set(pgid, sessionId);
    };
    for (const file of readdirSync(this.runDir).filter((f) => f.endsWith('.json'))) {
      const record = parsePidRecord(join(this.runDir, file));
      if (!record) unreadable(file);
      else {
        const facts = processFacts(record.pid, MARKER);
        if (facts && facts.startTime === record.startTime && facts.marker === record.marker)
          consider(facts.pgrp, record.sessionId);
      }
      rmSync(join(this.runDir, file), { force: true });
    }
    for (const p of markedProcesses(MARKER, `${this.tag}/`)) consider(p.pgrp, p.marker.split('/')[1]!);
    return groups;
  }
}
