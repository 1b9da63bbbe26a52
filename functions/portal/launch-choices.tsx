/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AppView } from '../api/views/app';

/* What a launch form lets a person choose beside params and size (#37): their own idle timeout and lifetime where the
 * app lets them (within its bounds), and a job's arguments where its app takes them. */

type Choice = NonNullable<NonNullable<AppView['choices']>['idleTimeout']>;

/** Durations a person picks from, in seconds: the bounds' own ends are offered too. */
const STEPS = [300, 900, 1800, 3600, 7200, 4 * 3600, 8 * 3600, 12 * 3600, 86_400, 2 * 86_400, 4 * 86_400, 7 * 86_400];

/** `90 s`, `15 min`, `2 h`, `1 day`, `4 days`. */
function spoken(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? '1 day' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function ChoiceField(props: { app: string; field: 'idleTimeout' | 'maxLifetime'; label: string; choice: Choice }) {
  const { choice, field } = props;
  const id = `f-${props.app}-${field}`;
  const max = choice.maxSeconds ?? Number.POSITIVE_INFINITY;
  const offered = [...new Set([choice.minSeconds, ...STEPS, ...(Number.isFinite(max) ? [max] : [])])]
    .filter((s) => s >= choice.minSeconds && s <= max && s !== choice.defaultSeconds)
    .sort((a, b) => a - b);
  const byDefault = choice.defaultSeconds === null ? 'never' : spoken(choice.defaultSeconds);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={field} aria-describedby={`${id}-err`}>
        <option value="">{`Default: ${byDefault}`}</option>
        {offered.map((s) => (
          <option value={String(s)}>{spoken(s)}</option>
        ))}
        {choice.maxSeconds === null && choice.defaultSeconds !== null ? <option value="never">never</option> : null}
      </select>
      <small class="field-error" id={`${id}-err`} data-field={field} role="alert" />
    </div>
  );
}

/** The app's choices of limits, and a job's arguments, as form fields (none where the app offers none). */
export function LaunchChoices(props: { app: AppView }) {
  const { app } = props;
  const args = app.userCommand?.args;
  return (
    <>
      {app.choices?.idleTimeout ? (
        <ChoiceField app={app.name} field="idleTimeout" label="Stop when unused for" choice={app.choices.idleTimeout} />
      ) : null}
      {app.choices?.maxLifetime ? (
        <ChoiceField app={app.name} field="maxLifetime" label="Runs at most" choice={app.choices.maxLifetime} />
      ) : null}
      {args ? (
        <div class="field">
          <label for={`f-${app.name}-args`}>Arguments (separated by spaces)</label>
          <input
            id={`f-${app.name}-args`}
            name="args"
            type="text"
            maxlength={4096}
            autocomplete="off"
            aria-describedby={`f-${app.name}-args-err`}
          />
          <small class="field-error" id={`f-${app.name}-args-err`} data-field="args" role="alert" />
        </div>
      ) : null}
    </>
  );
}
