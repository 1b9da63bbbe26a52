import { DomainError } from '../../domain/errors';
import type { Runtime } from '../../ports/runtime';

const unavailable = (): never => {
  throw new DomainError('runtime.unavailable', 'This function does not start or stop sessions.');
};

/** For functions that mount no route that starts or stops anything (and have no IAM to). */
export const noRuntime: Runtime = {
  kind: 'none',
  start: unavailable,
  inspect: unavailable,
  stop: unavailable,
  list: unavailable,
  onEvent: () => () => undefined,
};
