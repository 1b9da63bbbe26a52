import fc from 'fast-check';
import { invariants } from './invariants';
import { type Cmd, Model, type Product } from './product-model';

/**
 * fast-check's model-based check: sequences of `commands`, each against the product `start` gives (and `end` ends),
 * the invariants after every step; each sequence's steps logged. Answers how many sequences and steps ran.
 */
export async function checkSequences<P extends Product & { log(): string }>(options: {
  commands: fc.Arbitrary<Cmd>[];
  steps: number;
  start: () => Promise<P>;
  end: (product: P) => Promise<void>;
  parameters: fc.Parameters<[Iterable<Cmd>]>;
}): Promise<{ sequences: number; steps: number }> {
  const count = { sequences: 0, steps: 0 };
  await fc.assert(
    fc.asyncProperty(fc.commands(options.commands, { maxCommands: options.steps, size: 'max' }), async (cmds) => {
      const product = await options.start();
      const ran: string[] = [];
      try {
        await runSequence(product, cmds, ran, () => product.log());
      } finally {
        count.sequences++;
        count.steps += ran.length;
        console.log(`sequence ${count.sequences}: ${ran.length} steps: ${ran.join(', ')}`);
        await options.end(product);
      }
    }),
    options.parameters,
  );
  return count;
}

/**
 * Runs one sequence of commands against `product` from an empty model, the invariants after every step; the steps
 * it ran, for the log, are pushed to `ran` as they start. A failure carries `log()` (the product's own output).
 */
async function runSequence<P extends Product>(
  product: P,
  cmds: Iterable<Cmd>,
  ran: string[],
  log: () => string,
): Promise<void> {
  try {
    const model = new Model();
    await fc.asyncModelRun(
      () => ({ model, real: product }),
      [...cmds].map((cmd) => ({
        check: (m: Model) => cmd.check(m),
        run: async (m: Model, p: P) => {
          ran.push(cmd.toString());
          await cmd.run(m, p);
          await invariants(m, p);
        },
        toString: () => cmd.toString(),
      })),
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- the product's output ---\n${log()}`, { cause: error });
  }
}
