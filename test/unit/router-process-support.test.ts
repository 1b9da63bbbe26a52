import { describe, expect, it } from 'vitest';
import { spawnRouter } from './../support/router-process';
import { pidAlive, waitFor } from '../support/wait';

/** #33: a router test that times out must not leave its router process running. */
describe('spawnRouter (test support)', () => {
  it('kills a router that never became healthy, and says so', async () => {
    // A router whose start never finishes (its first import awaits forever), so /healthz never answers.
    const hang = 'data:text/javascript,setInterval(()=>{},1000);await%20new%20Promise(()=>{})';
    const error = (await spawnRouter(
      'http://127.0.0.1:1',
      { NODE_OPTIONS: `--import=${hang}` },
      undefined,
      undefined,
      1500,
    ).catch((e: unknown) => e)) as Error & {
      pid?: number;
    };
    expect(error.message).toMatch(/router healthy/);
    expect(error.pid).toBeGreaterThan(0);
    await waitFor(() => !pidAlive(error.pid!), 10_000, 'the router process gone');
  }, 30_000);
});
