/**
 * How long a wait may take on a loaded machine: a bound is for a wait that would otherwise never
 * end, not a claim about speed (#33), so each is stretched ×4, up to 60 s (a longer one as given).
 * (A container's start through podman beside two CPU hogs took over 20 s.)
 */
function loadedBound(timeoutMs: number): number {
  return timeoutMs >= 60_000 ? timeoutMs : Math.min(60_000, timeoutMs * 4);
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs` (stretched by loadedBound). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const bound = loadedBound(timeoutMs);
  const deadline = Date.now() + bound;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${bound} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True while a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until a file's text matches `pattern` and returns the match (session logs are written a
 * moment after the output that made the session READY).
 */
export async function waitForText(path: string, pattern: RegExp, timeoutMs = 5000): Promise<RegExpExecArray> {
  const { readFileSync } = await import('node:fs');
  return waitFor(
    () => {
      try {
        return pattern.exec(readFileSync(path, 'utf8'));
      } catch {
        return null;
      }
    },
    timeoutMs,
    `${pattern} in ${path}`,
  );
}
