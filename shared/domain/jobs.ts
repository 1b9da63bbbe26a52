import { renderArgv } from './command';
import { isFinal, STATUS_REASONS, type Session, statusReason } from './session';
import { transition } from './transitions';

/**
 * What a launch may say about the command it runs (skaha's `cmd` and `args`), per app: wslink's `sanitize` idea, an
 * allow-list or a pattern per field. Absent: the app runs its own command, and a launch naming one is refused.
 */
export interface UserCommandRules {
  /** The program a launch may run instead of the app's command: one of these, or a match of the pattern. */
  cmd?: { allow?: string[]; pattern?: string };
  /** Arguments a launch may add: each a match of the pattern, at most maxItems. */
  args?: { pattern: string; maxItems: number };
}

/** Arguments are words, paths, options and values: never a shell's metacharacters (though no shell ever sees them). */
export const DEFAULT_ARG_PATTERN = '[A-Za-z0-9_./=:,@%+-]{1,1024}';
export const DEFAULT_MAX_ARGS = 64;

/** A launch's own command: a program instead of the app's (`cmd`), and arguments after it (`args`). */
export interface UserCommand {
  cmd?: string;
  args?: string[];
}

const whole = (pattern: string, text: string) => new RegExp(`^(?:${pattern})$`, 'u').test(text);
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Checks a launch's cmd and args against the app's rules: the command to record, or what is wrong with it. */
export function checkUserCommand(
  appName: string,
  rules: UserCommandRules | undefined,
  input: { cmd?: string | undefined; args?: string[] | undefined },
): { command?: UserCommand; problems: string[] } {
  const problems: string[] = [];
  const command: UserCommand = {};
  if (input.cmd !== undefined) {
    const allowed = rules?.cmd;
    if (!allowed) problems.push(`cmd: app ${appName} runs its own command, and takes none`);
    else if (!input.cmd || input.cmd.length > 1024 || CONTROL.test(input.cmd))
      problems.push('cmd: one program name or path, at most 1024 characters');
    else if (!(allowed.allow?.includes(input.cmd) || (allowed.pattern && whole(allowed.pattern, input.cmd))))
      problems.push(
        `cmd: app ${appName} runs ${allowed.allow?.length ? `one of ${allowed.allow.join(', ')}` : `programs matching ${allowed.pattern}`}`,
      );
    else command.cmd = input.cmd;
  }
  if (input.args?.length) {
    const allowed = rules?.args;
    if (!allowed) problems.push(`args: app ${appName} takes no arguments`);
    else if (input.args.length > allowed.maxItems) problems.push(`args: at most ${allowed.maxItems}`);
    else {
      const bad = input.args.findIndex((a) => CONTROL.test(a) || !whole(allowed.pattern, a));
      if (bad >= 0) problems.push(`args[${bad}]: must match ${allowed.pattern}`);
      else command.args = input.args;
    }
  }
  return { ...(Object.keys(command).length ? { command } : {}), problems };
}

/**
 * The argv a session runs: the app's command with its placeholders filled in, or the launch's own program instead;
 * then the launch's arguments, as given (never expanded: a user's `${secret}` stays text). Empty: the image's own.
 */
export function sessionArgv(
  appCommand: readonly string[],
  user: UserCommand | undefined,
  vars: Readonly<Record<string, string>>,
): string[] {
  const base = user?.cmd !== undefined ? [user.cmd] : renderArgv(appCommand, vars);
  return [...base, ...(user?.args ?? [])];
}

/** skaha sends `args` as one string, split on white space (skaha's own PostAction does the same). */
export function splitArgs(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const args = text.split(/\s+/).filter(Boolean);
  return args;
}

/**
 * A job's end, from how its command exited: COMPLETED on exit 0, else FAILED with the code (or the signal, or the
 * runtime's own words when it gives no code). A job stopped on request ends STOPPED as any session does.
 */
export function jobEnd(
  session: Session,
  exit: { code: number | null | undefined; signal?: string | null | undefined; detail?: string | undefined },
  now: number,
): Session | undefined {
  if (isFinal(session.status)) return undefined;
  if (session.status === 'STOPPING') return transition(session, 'STOPPED', {}, now);
  const code = exit.code ?? undefined;
  const how = exit.signal ? `signal ${exit.signal}` : code !== undefined ? `exit code ${code}` : undefined;
  // The code says it all, the same whichever way the end was seen (an event, or the reaper's look); the runtime's
  // words only where there is no code, or where they say more (out of memory).
  const oom = exit.detail?.startsWith(STATUS_REASONS.oom) ? exit.detail : undefined;
  const detail = [how ?? exit.detail, oom].filter(Boolean).join(', ') || 'ended';
  if (code === 0 && !exit.signal)
    return transition(
      session,
      'COMPLETED',
      { statusReason: statusReason(STATUS_REASONS.completed, detail), exitCode: 0 },
      now,
    );
  return transition(
    session,
    'FAILED',
    { statusReason: statusReason(STATUS_REASONS.jobFailed, detail), ...(code !== undefined ? { exitCode: code } : {}) },
    now,
  );
}
