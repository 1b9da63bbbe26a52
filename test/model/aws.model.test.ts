import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MakeToken, peopleCommands, PutFile, RevokeToken, UseToken } from './people-model';
import {
  ChooseLimits,
  ForgedActivity,
  JobBurst,
  JobLaunch,
  JobLook,
  JobStop,
  LaunchWithLimits,
  workCommands,
} from './work-model';
import { moto523Missing } from '../support/moto-523';
import { AWS_MODEL_APPS, AwsProduct } from './aws-product';
import { invariants } from './invariants';
import { checkSequences } from './model-run';
import { ColdStart, commandsFor, Launch, Lists, Look, Model, Share, Stop } from './product-model';

/**
 * The model-based test of the whole product (#33) on the AWS composition (#36): the same model and invariants as on
 * one machine, through the doors AWS has (the REST API, the wslink launcher and skaha behind the HTTP API's JWT
 * authorizer; the router service), with the control plane starting cold instead of the server restarting, against
 * the stack deployed on moto 5.2.3 with IAM enforced. One deployment for every sequence; between sequences every
 * session is stopped. CI runs a fixed budget; MODEL_RUNS and MODEL_STEPS as for the local model.
 */
const RUNS = Number(process.env.AWS_MODEL_RUNS ?? 2);
const STEPS = Number(process.env.AWS_MODEL_STEPS ?? 25);
const SEED = process.env.MODEL_SEED === undefined ? 20261207 : Number(process.env.MODEL_SEED);

const missing = moto523Missing();
const suite = missing ? describe.skip : describe;

suite(`the product on AWS's doors, model-checked${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let product: AwsProduct;
  beforeAll(async () => {
    product = await AwsProduct.start();
  }, 300_000);
  afterAll(async () => {
    await product?.dispose();
  });

  it(
    `holds its invariants over ${RUNS} sequences of up to ${STEPS} steps (seed ${SEED})`,
    async () => {
      const { sequences, steps } = await checkSequences({
        commands: [
          ...commandsFor({ apps: AWS_MODEL_APPS, doors: ['rest', 'launcher', 'skaha'], restart: 'cold' }),
          ...workCommands,
          ...peopleCommands,
        ],
        steps: STEPS,
        start: async () => {
          await product.reset();
          return product;
        },
        end: async () => {},
        parameters: { numRuns: RUNS, seed: SEED, endOnFailure: true, verbose: 1 },
      });
      console.log(`AWS model: ${sequences} sequences, ${steps} steps, every invariant after each`);
      expect(steps).toBeGreaterThan(0);
    },
    RUNS * STEPS * 30_000 + 120_000,
  );

  it('a sequence that touches every AWS door, a share, a cold start and every app kind', async () => {
    await product.reset();
    const model = new Model();
    for (const cmd of [
      new Launch('alice', 'echo', 'rest'),
      new Launch('dave', 'hidden', 'launcher'),
      new Launch('bob', 'hidden', 'skaha'),
      new Launch('alice', 'notes', 'skaha'),
      new Launch('bob', 'pooled', 'rest'),
      new Launch('root', 'sized', 'rest'),
      new Share('alice', 0, 'group:viz'),
      new Look('dave', 0, 'use'),
      new Stop('dave', 0, 'launcher'),
      new ColdStart(),
      new Lists('alice'),
      new Look('dave', 0, 'use'),
      new Stop('alice', 0, 'skaha'),
      new Stop('root', 1, 'rest'),
      // #37 on AWS: jobs as tasks through REST and skaha, their exit codes; limits chosen; a forged report.
      new JobLaunch('alice', 'rest', 3),
      new JobLaunch('bob', 'skaha', 0),
      new JobLook('root', 0),
      new JobStop('dave', 1),
      // #37's queue on AWS: past the jobs cap through REST's replicas and the canfar client's creates; the queue
      // function starts the waiting ones as others end.
      new JobBurst('alice', 'rest', 'dave'),
      new JobBurst('bob', 'skaha', 'bob', new ColdStart()),
      new ChooseLimits('root', 5, { idleTimeout: 'never' }),
      new ChooseLimits('bob', 5, { maxLifetime: '4h' }),
      new LaunchWithLimits('dave', 'skaha', { idleTimeout: 'never', maxLifetime: '4h' }),
      new LaunchWithLimits('dave', 'rest', { idleTimeout: '5s' }),
      new ForgedActivity(2),
      // #38 on AWS: a personal token verified by the functions themselves, across a cold start; files sent to the router service (307).
      new MakeToken('bob'),
      new UseToken(0),
      new ColdStart(),
      new UseToken(0),
      new RevokeToken('alice', 0),
      new RevokeToken('bob', 0),
      new UseToken(0),
      new PutFile('alice', 'notes.txt'),
    ]) {
      if (!cmd.check(model)) continue;
      await cmd.run(model, product);
      await invariants(model, product);
    }
  }, 300_000);
});
