import { setTimeout as sleep } from 'node:timers/promises';
import { readdirSync, readFileSync } from 'node:fs';

/** Signals a whole process group; false if the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

/** What the kernel says about a process (Linux /proc): its start time, group, and one variable. */
export interface ProcessFacts {
  startTime: string;
  pgrp: number;
  /** The value of the marker variable in its environment, if it has one (ours only: others' are unreadable). */
  marker?: string;
}

/**
 * Reads a process's start time and group from /proc/<pid>/stat and `markerName` from its
 * environment. Undefined where /proc is missing or the process is gone.
 */
export function processFacts(pid: number, markerName?: string): ProcessFacts | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the parenthesised command name, which may itself hold spaces: state (3), ppid,
  // pgrp (5), …, starttime (22).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const facts: ProcessFacts = { startTime: fields[19]!, pgrp: Number(fields[2]) };
  if (markerName) {
    try {
      const prefix = `${markerName}=`;
      const entry = readFileSync(`/proc/${pid}/environ`, 'latin1')
        .split('\0')
        .find((e) => e.startsWith(prefix));
      if (entry) facts.marker = entry.slice(prefix.length);
    } catch {
      // Another user's process, or gone: no marker of ours.
    }
  }
  return facts;
}

/** Linux's USER_HZ: the unit of /proc's CPU times (100 on every architecture Linux runs on today). */
const USER_HZ = 100;

/**
 * The CPU time (user and system, seconds) the processes of a group have used, as /proc says of each one alive (and of
 * the children each has waited for); undefined where /proc is missing or the group has no process left.
 */
export function groupCpuSeconds(pgid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  let found = false;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // After the command name: state (3), ppid, pgrp (5), … utime (14), stime (15), cutime (16), cstime (17).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    found = true;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return found ? ticks / USER_HZ : undefined;
}

/** Every process (pid and facts) whose `markerName` starts with `prefix`, from a scan of /proc. */
export function markedProcesses(markerName: string, prefix: string): Array<{ pid: number } & Required<ProcessFacts>> {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: Array<{ pid: number } & Required<ProcessFacts>> = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const facts = processFacts(pid, markerName);
    if (facts?.marker?.startsWith(prefix)) found.push({ pid, ...facts, marker: facts.marker });
  }
  return found;
}

/** SIGTERM to the group, then SIGKILL after `graceMs` if anything in it is still alive. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(25);
    if (!groupAlive(pgid)) return;
  }
  signalGroup(pgid, 'SIGKILL');
}
