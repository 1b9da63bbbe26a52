import { DeregisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { CapacityError } from '../../shared/domain/errors';
import { CUSTOM, registrySuite, registryWorld } from '../support/registry-world';
import { describedEcho, ECHO_BASE } from '../support/task-definitions';
import { TaskDefinitionRegistry } from '../../shared/adapters/runtime/ecs/task-definition-registry';

registrySuite('TaskDefinitionRegistry: claims in DynamoDB Local, the scripted ECS', () => {
  const w = registryWorld();

  it('registers one revision from the base, in its family, with only the image replaced and the registry tags', async () => {
    const arn = await w.registry().resolve('echo', 'sessionplane-echo:1', CUSTOM);
    expect(arn).toBe('arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2');
    expect(w.registrations()).toHaveLength(1);
    expect(w.registrations()[0]!.args[0].input).toEqual({
      ...ECHO_BASE,
      containerDefinitions: [{ ...ECHO_BASE.containerDefinitions[0], image: CUSTOM }],
      tags: [
        { key: 'sessionplane:app', value: 'echo' },
        { key: 'sessionplane:registry', value: 'image' },
      ],
    });
    // Reused: a second launch registers nothing.
    expect(await w.registry().resolve('echo', 'sessionplane-echo:1', CUSTOM)).toBe(arn);
    expect(w.registrations()).toHaveLength(1);
  });

  it("50 concurrent first launches (separate processes' registries) register exactly once and all get its ARN", async () => {
    w.ecs.registerDelayMs = 300;
    const arns = await Promise.all(
      Array.from({ length: 50 }, () => w.registry().resolve('echo', 'sessionplane-echo:1', CUSTOM)),
    );
    expect(w.registrations()).toHaveLength(1);
    expect(new Set(arns)).toEqual(new Set(['arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2']));
  });

  it('another image, or another base revision (a redeploy), is another key and another registration', async () => {
    const redeployed = describedEcho(9);
    w.ecs.definitions.set(redeployed.taskDefinitionArn!, redeployed);
    const a = await w.registry().resolve('echo', 'sessionplane-echo:1', CUSTOM);
    const b = await w.registry().resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-beta`);
    const c = await w.registry().resolve('echo', 'sessionplane-echo:9', CUSTOM);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(w.registrations()).toHaveLength(3);
  });

  it('a failed registration leaves no claim: the next launch registers at once', async () => {
    w.ecs.throttleNext = 2; // DescribeTaskDefinition and nothing else: the mock answers below the SDK's retries
    await expect(w.registry().resolve('echo', 'sessionplane-echo:1', CUSTOM)).rejects.toBeInstanceOf(CapacityError);
    const key = TaskDefinitionRegistry.keyOf('sessionplane-echo:1', CUSTOM);
    expect((await w.client.send(new GetCommand({ TableName: w.table, Key: { id: key } }))).Item).toBeUndefined();
    w.ecs.throttleNext = 0;
    await expect(w.registry().resolve('echo', 'sessionplane-echo:1', CUSTOM)).resolves.toMatch(/sessionplane-echo:2$/);
  });

  it('a claim whose holder died is taken over after the claim timeout, not before', async () => {
    const key = TaskDefinitionRegistry.keyOf('sessionplane-echo:1', CUSTOM);
    // A holder that claimed and never finished (its Lambda timed out).
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await w.client.send(
      new PutCommand({
        TableName: w.table,
        Item: { id: key, state: 'claimed', claimant: 'dead', claimedAt: w.now, createdAt: w.now, liveShard: 'taskdef' },
      }),
    );
    const waiting = w.registry({ claimTimeoutMs: 400 }).resolve('echo', 'sessionplane-echo:1', CUSTOM);
    // The waiter's own clock passes the timeout only after this.
    await new Promise((r) => setTimeout(r, 200));
    expect(w.registrations()).toHaveLength(0);
    w.now += 1000;
    await expect(waiting).resolves.toMatch(/sessionplane-echo:2$/);
    expect(w.registrations()).toHaveLength(1);
  });

  it('the reaper deregisters revisions unused for the configured time, a few a pass, and keeps the rest', async () => {
    const r = w.registry({ unusedAfterMs: 10_000, touchEveryMs: 1000 });
    const old = await r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-a`);
    const old2 = await r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-b`);
    const used = await r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-c`);
    w.now += 9000;
    await r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-c`); // launched again: its last use moves
    w.now += 2000;
    expect((await r.pruneUnused(1, 0)).deregistered).toEqual([expect.stringMatching(/sessionplane-echo:[23]$/)]);
    const second = await r.pruneUnused(5, 0);
    expect(second.deregistered).toHaveLength(1);
    const deregistered = w.ecs.mock
      .commandCalls(DeregisterTaskDefinitionCommand)
      .map((c) => c.args[0].input.taskDefinition);
    expect(new Set(deregistered)).toEqual(new Set([old, old2]));
    expect(w.ecs.definitions.get(used)!.status).toBe('ACTIVE');
    expect((await r.pruneUnused(5, 0)).deregistered).toEqual([]);
    // A deregistered image launched again gets a fresh revision.
    await expect(r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-a`)).resolves.toMatch(/sessionplane-echo:5$/);
  });
});
