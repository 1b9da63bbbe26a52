import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalProduct } from './local-product';
import { commands, invariants, Model } from './product-model';

/**
 * The whole product, model-checked (#33): seeded random sequences of launches (every app kind, every
 * door), stops, renews, shares and revokes, reads, lists and portal pages, by four users, with
 * restarts by SIGTERM and kill -9, against the real server; the invariants after every step. CI
 * runs a fixed budget; `npm run check:model` a longer run (MODEL_RUNS, MODEL_STEPS, MODEL_SEED).
 * A failure prints its seed and the shrunk sequence: make it a regression test below.
 */
const RUNS = Number(process.env.MODEL_RUNS ?? 3);
const STEPS = Number(process.env.MODEL_STEPS ?? 25);
const SEED = process.env.MODEL_SEED === undefined ? 20261206 : Number(process.env.MODEL_SEED);

describe('the product, model-checked', () => {
  it(
    `holds its invariants over ${RUNS} sequences of up to ${STEPS} steps (seed ${SEED})`,
    async () => {
      let sequences = 0;
      let steps = 0;
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: STEPS, size: 'max' }), async (cmds) => {
          const product = await LocalProduct.start();
          const ran: string[] = [];
          try {
            const model = new Model();
            await fc.asyncModelRun(
              () => ({ model, real: product }),
              [...cmds].map((cmd) => ({
                check: (m: Model) => cmd.check(m),
                run: async (m: Model, p: LocalProduct) => {
                  ran.push(cmd.toString());
                  await cmd.run(m, p);
                  await invariants(m, p);
                },
                toString: () => cmd.toString(),
              })),
            );
          } catch (error) {
            throw new Error(`${(error as Error).message}\n--- server output ---\n${product.log()}`, { cause: error });
          } finally {
            sequences++;
            steps += ran.length;
            console.log(`sequence ${sequences}: ${ran.length} steps: ${ran.join(', ')}`);
            await product.dispose();
          }
        }),
        // A failure is shrunk (each try a fresh server) for at most 15 minutes; MODEL_NO_SHRINK=1 stops at the first.
        { numRuns: RUNS, seed: SEED, endOnFailure: !!process.env.MODEL_NO_SHRINK, interruptAfterTimeLimit: 15 * 60_000, markInterruptAsFailure: true, verbose: 1 },
      );
      console.log(`model: ${sequences} sequences, ${steps} steps, every invariant after each`);
      expect(steps).toBeGreaterThan(0);
    },
    RUNS * STEPS * 20_000 + 15 * 60_000,
  );
});
