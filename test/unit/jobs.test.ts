import { describe, expect, it } from 'vitest';
import { checkUserCommand, DEFAULT_ARG_PATTERN, jobEnd, sessionArgv, splitArgs } from '../../shared/domain/jobs';
import { makeSession } from '../support/sessions';

const rules = {
  cmd: { allow: ['python3'], pattern: '/opt/tools/[a-z]+' },
  args: { pattern: DEFAULT_ARG_PATTERN, maxItems: 3 },
};

describe('jobs in the domain (#37)', () => {
  it("checks a launch's cmd and args against the app's rules", () => {
    expect(checkUserCommand('a', rules, { cmd: 'python3', args: ['x.py', '--n=2'] })).toEqual({
      command: { cmd: 'python3', args: ['x.py', '--n=2'] },
      problems: [],
    });
    expect(checkUserCommand('a', rules, { cmd: '/opt/tools/reduce' }).problems).toEqual([]);
    expect(checkUserCommand('a', rules, { cmd: '/opt/tools/../../bin/sh' }).problems).toEqual([
      'cmd: app a runs one of python3',
    ]);
    expect(checkUserCommand('a', rules, { args: ['a', 'b', 'c', 'd'] }).problems).toEqual(['args: at most 3']);
    expect(checkUserCommand('a', rules, { args: ['ok', 'x\ny'] }).problems).toEqual([
      `args[1]: must match ${DEFAULT_ARG_PATTERN}`,
    ]);
    expect(checkUserCommand('a', undefined, { cmd: 'x' }).problems).toEqual([
      'cmd: app a runs its own command, and takes none',
    ]);
    // Nothing asked: nothing to record, nothing wrong, with or without rules.
    expect(checkUserCommand('a', undefined, { args: [] })).toEqual({ problems: [] });
  });

  it("runs the app's command with its placeholders, or the user's program; user arguments never expanded", () => {
    const vars = { port: '8080', secret: 's3' };
    expect(sessionArgv(['serve', '--port', '${port}'], undefined, vars)).toEqual(['serve', '--port', '8080']);
    expect(sessionArgv(['serve', '${port}'], { args: ['${secret}'] }, vars)).toEqual(['serve', '8080', '${secret}']);
    expect(sessionArgv(['serve'], { cmd: 'python3', args: ['a.py'] }, vars)).toEqual(['python3', 'a.py']);
    expect(sessionArgv([], { args: ['--n', '1'] }, vars)).toEqual(['--n', '1']);
    expect(splitArgs('  a  b\tc ')).toEqual(['a', 'b', 'c']);
  });

  it('ends a job by its exit code, the same whether an event or the reaper saw it', () => {
    const job = makeSession({ status: 'READY', kind: 'job' });
    const byEvent = jobEnd(job, { code: 3, signal: null, detail: undefined }, 10);
    const byReaper = jobEnd(job, { code: 3, signal: null, detail: 'app-exited' }, 10);
    expect(byEvent).toEqual(byReaper);
    expect(byEvent).toMatchObject({ status: 'FAILED', exitCode: 3, statusReason: 'job-failed: exit code 3' });
    expect(jobEnd(job, { code: 0 }, 10)).toMatchObject({ status: 'COMPLETED', exitCode: 0 });
    expect(jobEnd(job, { code: null, signal: 'SIGKILL' }, 10)).toMatchObject({
      status: 'FAILED',
      statusReason: 'job-failed: signal SIGKILL',
    });
    expect(jobEnd(job, { code: 137, detail: 'oom: over its memory limit of 96 MiB' }, 10)?.statusReason).toBe(
      'job-failed: exit code 137, oom: over its memory limit of 96 MiB',
    );
    expect(jobEnd(job, { code: undefined, detail: 'lost' }, 10)).toMatchObject({ statusReason: 'job-failed: lost' });
    // Stopped on request: STOPPED, whatever its code.
    expect(jobEnd({ ...job, status: 'STOPPING' }, { code: 143 }, 10)?.status).toBe('STOPPED');
    expect(jobEnd({ ...job, status: 'COMPLETED' }, { code: 1 }, 10)).toBeUndefined();
  });
});
