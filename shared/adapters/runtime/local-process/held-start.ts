import type { HeldStart, StartResult } from '../../../ports/runtime';

/**
 * A start run up to its gate at once and past it on `start`, or stopped at it by `cancel` (#39): `run` gets the gate
 * to await before the app's first instruction, and rejects with the cancel's reason if it is canceled there.
 */
export function holdStart(run: (gate: Promise<void>) => Promise<StartResult>): HeldStart {
  let open!: () => void;
  let refuse!: (reason: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    open = resolve;
    refuse = reject;
  });
  // Canceled before the start waits on it (still spawning): not an unhandled rejection; the start still sees it.
  gate.catch(() => undefined);
  const started = run(gate);
  // Whoever holds it hears of a failure from `start`; a canceled one's is nobody's.
  started.catch(() => undefined);
  return {
    start: () => {
      open();
      return started;
    },
    cancel: () => refuse(new Error('the launch was not recorded: its held start is canceled')),
  };
}
