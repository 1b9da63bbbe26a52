import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARKER, runTag } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { markedProcesses } from '../../shared/adapters/runtime/local-process/process-group';

/** The session processes of one data directory, by session id (a pool's instances too: their id is the session's to be). */
export function processesOf(dataDir: string): Map<string, number[]> {
  const bySession = new Map<string, number[]>();
  for (const p of markedProcesses(MARKER, `${runTag(join(dataDir, 'run'))}/`)) {
    const id = p.marker.split('/')[1]!;
    bySession.set(id, [...(bySession.get(id) ?? []), p.pid]);
  }
  return bySession;
}

/** The pids of `pid`'s descendants, from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of allProcesses()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const walk = (at: number) => {
    for (const c of children.get(at) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function allProcesses(): Array<{ pid: number; ppid: number }> {
  const out: Array<{ pid: number; ppid: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      out.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      // gone
    }
  }
  return out;
}

/** A process's command name and resident memory in KiB, from /proc (undefined once it is gone). */
export function processMemory(pid: number): { name: string; rssKiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      name: status.match(/^Name:\s+(.*)$/m)?.[1] ?? '?',
      rssKiB: Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0),
    };
  } catch {
    return undefined;
  }
}

/** A process's own CPU time so far (user and system, not its children's), in ms: /proc's clock ticks (100 a second). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
