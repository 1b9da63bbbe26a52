import { afterEach, describe, expect, it, vi } from 'vitest';
import { powertoolsMetrics } from '../../../shared/adapters/aws/powertools';

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

/** The EMF lines the Lambda functions print: what CloudWatch turns into the operators' metrics. */
describe('metrics as CloudWatch Embedded Metric Format (Powertools)', () => {
  afterEach(() => vi.restoreAllMocks());

  const printed = (act: () => void): Emf[] => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    act();
    vi.restoreAllMocks();
    return lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Emf);
  };

  it('writes SessionSeconds by app, in seconds, under the Sessionplane namespace, at once', () => {
    const lines = printed(() => powertoolsMetrics('api').sessionSeconds('hello', 3600));
    expect(lines).toHaveLength(1);
    const [emf] = lines;
    expect(emf!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Sessionplane',
        Dimensions: [expect.arrayContaining(['service', 'app'])],
        Metrics: [{ Name: 'SessionSeconds', Unit: 'Seconds' }],
      },
    ]);
    expect(emf).toMatchObject({ service: 'api', app: 'hello', SessionSeconds: 3600 });
  });

  it('keeps LiveSessions until publish, and publishes nothing twice', () => {
    const metrics = powertoolsMetrics('reaper');
    expect(printed(() => metrics.liveSessions(7))).toEqual([]);
    const lines = printed(() => metrics.publish());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'reaper', LiveSessions: 7 });
    expect(printed(() => metrics.publish())).toEqual([]);
  });

  it('gives a pool hit its claim latency and a miss only a count', () => {
    const metrics = powertoolsMetrics('api');
    const hit = printed(() => metrics.poolClaim('hello', true, 42));
    expect(hit.map((l) => l._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name)).toEqual(['PoolHits', 'PoolClaimLatency']);
    expect(hit[1]).toMatchObject({ app: 'hello', PoolClaimLatency: 42 });
    const miss = printed(() => metrics.poolClaim('hello', false, 0));
    expect(miss).toEqual([expect.objectContaining({ PoolMisses: 1, app: 'hello' })]);
  });
});
