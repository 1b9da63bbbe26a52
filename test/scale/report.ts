import { AWS_PRICES } from '../../shared/domain/usage';
import type { Session } from '../../shared/domain/session';
import { GPU_INSTANCE, IPS_PER_SUBNET, LAMBDA, REQUEST_PRICES } from './aws-limits';
import type { SimPlane } from './sim-plane';

/** One launch as the scenario saw it: when it was asked for, what the API answered, and how its session fared. */
export interface LaunchOutcome {
  askedAt: number;
  status: number;
  code?: string;
  session?: Session;
}

export interface ScenarioReport {
  name: string;
  launches: number;
  ready: number;
  failed: Record<string, number>;
  refused: Record<string, number>;
  queued: number;
  /** Claimed from a warm pool. */
  pooled: number;
  readySeconds: { p50: number; p95: number; p99: number; max: number };
  api: { requests: number; throttled: number; peakPerSecond: number };
  ecs: Record<string, { calls: number; throttled: number; peakPerSecond: number }>;
  runTaskFailures: Record<string, number>;
  dynamo: {
    calls: number;
    peakPerSecond: number;
    hottestWrites: [string, number];
    hottestReads: [string, number];
    byFunction: Record<string, { calls: number; readUnits: number; writeUnits: number }>;
  };
  lambda: {
    peak: number;
    byFunction: Record<
      string,
      { invocations: number; peak: number; seconds: number; longestSeconds: number; overTimeout: number }
    >;
  };
  reaper: { passes: number; p50Ms: number; maxMs: number; maxLive: number };
  fargate: { peakVcpus: number; peakIps: number; peakGpus: number };
  /** The run's length (minutes) and what it cost at list prices. */
  minutes: number;
  cost: { fargate: number; gpuFleet: number; lambda: number; dynamodb: number; api: number; total: number };
  /** Each launch: seconds from the start and seconds to READY (undefined: never), and whether it waited in the queue. */
  points: { at: number; seconds?: number; queued: boolean }[];
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** What a scenario's run comes to: latencies, refusals and why, AWS calls and limits met, what the hour cost. */
export function summarize(name: string, plane: SimPlane, outcomes: LaunchOutcome[]): ScenarioReport {
  const { sim } = plane;
  const failed: Record<string, number> = {};
  const refused: Record<string, number> = {};
  const points: ScenarioReport['points'] = [];
  const latencies: number[] = [];
  for (const o of outcomes) {
    if (!o.session) {
      const why = `${o.status} ${o.code ?? ''}`.trim();
      refused[why] = (refused[why] ?? 0) + 1;
      continue;
    }
    const s = o.session;
    const queued = s.queue !== undefined;
    if (s.readyAt !== undefined) {
      const seconds = (s.readyAt - o.askedAt) / 1000;
      latencies.push(seconds);
      points.push({ at: sim.elapsed(o.askedAt), seconds, queued });
    } else {
      points.push({ at: sim.elapsed(o.askedAt), queued });
      const why = `${s.status}${s.statusReason ? ` ${s.statusReason.split(':')[0]}` : ''}`;
      failed[why] = (failed[why] ?? 0) + 1;
    }
  }
  latencies.sort((a, b) => a - b);
  const ecs: ScenarioReport['ecs'] = {};
  for (const [action, c] of plane.ecs.calls) {
    let peak = 0;
    for (const second of plane.ecs.perSecond.values()) peak = Math.max(peak, second.get(action) ?? 0);
    ecs[action] = { calls: c.ok + c.throttled, throttled: c.throttled, peakPerSecond: peak };
  }
  const byFunction: ScenarioReport['dynamo']['byFunction'] = {};
  let calls = 0;
  let readUnits = 0;
  let writeUnits = 0;
  for (const [fn, db] of plane.dbs) {
    byFunction[fn] = { calls: db.total, readUnits: db.readUnits, writeUnits: db.writeUnits };
    calls += db.total;
    readUnits += db.readUnits;
    writeUnits += db.writeUnits;
  }
  const lambdaBy: ScenarioReport['lambda']['byFunction'] = {};
  let gbSeconds = 0;
  let requests = 0;
  for (const [fn, m] of plane.lambdas.invocations) {
    lambdaBy[fn] = {
      invocations: m.count,
      peak: m.peak,
      seconds: round(m.ms / 1000),
      longestSeconds: round(m.longest / 1000),
      overTimeout: m.overTimeout,
    };
    gbSeconds += (m.ms / 1000) * LAMBDA.value.memoryGb;
    requests += m.count;
  }
  const passes = plane.reaperPasses.map((p) => p.ms).sort((a, b) => a - b);
  const billed = plane.ecs.billedSoFar();
  const fargate =
    (billed.vcpuSeconds * AWS_PRICES.FARGATE!.vcpuHour + billed.gbSeconds * AWS_PRICES.FARGATE!.gbHour) / 3600;
  const lambda = gbSeconds * LAMBDA.value.gbSecond + (requests / 1e6) * LAMBDA.value.perMillionRequests;
  const dynamodb =
    (writeUnits / 1e6) * REQUEST_PRICES.value.dynamoWrite + (readUnits / 1e6) * REQUEST_PRICES.value.dynamoRead;
  const api = (plane.api.requests / 1e6) * REQUEST_PRICES.value.httpApi;
  const hours = sim.elapsed() / 3600;
  const gpuFleet = (plane.gpuFleet / GPU_INSTANCE.value.gpus) * GPU_INSTANCE.value.hourly * hours;
  const peaks = plane.ledger.peaks();
  return {
    name,
    launches: outcomes.length,
    ready: latencies.length,
    failed,
    refused,
    queued: outcomes.filter((o) => o.session?.queue).length,
    pooled: outcomes.filter((o) => o.session?.pooled).length,
    readySeconds: {
      p50: round(quantile(latencies, 0.5)),
      p95: round(quantile(latencies, 0.95)),
      p99: round(quantile(latencies, 0.99)),
      max: round(latencies.at(-1) ?? Number.NaN),
    },
    api: {
      requests: plane.api.requests,
      throttled: plane.api.throttled,
      peakPerSecond: Math.max(0, ...plane.api.perSecond.values()),
    },
    ecs,
    runTaskFailures: Object.fromEntries(plane.ecs.failures),
    dynamo: {
      calls,
      peakPerSecond: peaks.callsPerSecond,
      hottestWrites: peaks.hottestWrites,
      hottestReads: peaks.hottestReads,
      byFunction,
    },
    lambda: { peak: plane.lambdas.peak, byFunction: lambdaBy },
    reaper: {
      passes: passes.length,
      p50Ms: round(quantile(passes, 0.5), 0),
      maxMs: round(passes.at(-1) ?? 0, 0),
      maxLive: Math.max(0, ...plane.reaperPasses.map((p) => p.live)),
    },
    fargate: { peakVcpus: plane.ecs.peakVcpus, peakIps: plane.ecs.peakIps, peakGpus: plane.ecs.peakGpus },
    minutes: round(hours * 60, 0),
    cost: {
      fargate: round(fargate, 2),
      gpuFleet: round(gpuFleet, 2),
      lambda: round(lambda, 4),
      dynamodb: round(dynamodb, 4),
      api: round(api, 4),
      total: round(fargate + gpuFleet + lambda + dynamodb + api, 2),
    },
    points,
  };
}

/** The report as a reader wants it: a few lines per part. */
export function formatReport(r: ScenarioReport): string {
  const kv = (o: Record<string, number>) =>
    Object.keys(o).length
      ? Object.entries(o)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')
      : 'none';
  const lines = [
    `## ${r.name}`,
    `launch → READY: p50 ${r.readySeconds.p50} s, p95 ${r.readySeconds.p95} s, p99 ${r.readySeconds.p99} s, max ${r.readySeconds.max} s (${r.ready} of ${r.launches} READY)`,
    `from a warm pool: ${r.pooled}; waited in the queue: ${r.queued}; refused: ${kv(r.refused)}; failed: ${kv(r.failed)}`,
    `API Gateway: ${r.api.requests} requests (peak ${r.api.peakPerSecond}/s), ${r.api.throttled} refused 429 by its throttle`,
    `ECS: ${Object.entries(r.ecs)
      .map(([a, c]) => `${a} ${c.calls} (peak ${c.peakPerSecond}/s, ${c.throttled} throttled)`)
      .join('; ')}; RunTask failures: ${kv(r.runTaskFailures)}`,
    `DynamoDB: ${r.dynamo.calls} calls, peak ${r.dynamo.peakPerSecond}/s; hottest partition: writes ${r.dynamo.hottestWrites[1]}/s (${r.dynamo.hottestWrites[0]}), reads ${r.dynamo.hottestReads[1]}/s (${r.dynamo.hottestReads[0]})`,
    `  by function: ${Object.entries(r.dynamo.byFunction)
      .map(([f, d]) => `${f} ${d.calls} calls (${d.readUnits} RRU, ${d.writeUnits} WRU)`)
      .join('; ')}`,
    `Lambda: peak ${r.lambda.peak} at once; ${Object.entries(r.lambda.byFunction)
      .map(
        ([f, l]) =>
          `${f} ${l.invocations} (peak ${l.peak}, longest ${l.longestSeconds} s${l.overTimeout ? `, ${l.overTimeout} over its timeout` : ''})`,
      )
      .join('; ')}`,
    `reaper: ${r.reaper.passes} passes, p50 ${r.reaper.p50Ms} ms, max ${r.reaper.maxMs} ms (at most ${r.reaper.maxLive} live)`,
    `tasks: peak ${r.fargate.peakVcpus} Fargate vCPUs, ${r.fargate.peakGpus} GPUs, ${r.fargate.peakIps} IP addresses in the session subnets (two /${subnetFor(r.fargate.peakIps)} subnets hold them)`,
    `the ${r.minutes} minutes at list prices: $${r.cost.total} (Fargate $${r.cost.fargate}${r.cost.gpuFleet ? `, GPU instances $${r.cost.gpuFleet}` : ''}; the control plane: Lambda $${r.cost.lambda}, DynamoDB $${r.cost.dynamodb}, API Gateway $${r.cost.api})`,
  ];
  return lines.join('\n');
}

/** READY latency over the run, one dot per launch (queued ones orange, never READY red at the top): an SVG. */
export function chart(r: ScenarioReport): string {
  const [w, h, pad, top] = [760, 380, 56, 64];
  const maxX = Math.max(60, ...r.points.map((p) => p.at));
  const maxY = Math.max(10, ...r.points.map((p) => p.seconds ?? 0)) * 1.1;
  const x = (v: number) => pad + (v / maxX) * (w - 2 * pad);
  const y = (v: number) => h - pad - (v / maxY) * (h - pad - top);
  const dots = r.points
    .map((p) => {
      const fill = p.seconds === undefined ? '#c0392b' : p.queued ? '#e67e22' : '#2c7fb8';
      return `<circle cx="${x(p.at).toFixed(1)}" cy="${(p.seconds === undefined ? top - 8 : y(p.seconds)).toFixed(1)}" r="2.2" fill="${fill}" fill-opacity="0.7"/>`;
    })
    .join('');
  const ticks = (max: number, n: number) => Array.from({ length: n + 1 }, (_, i) => Math.round((max * i) / n));
  const xTicks = ticks(maxX, 6)
    .map((t) => `<text x="${x(t)}" y="${h - pad + 16}" text-anchor="middle">${t}</text>`)
    .join('');
  const yTicks = ticks(maxY, 5)
    .map((t) => `<text x="${pad - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${pad}" y="20" font-size="13">${escapeXml(r.name)}</text>
<text transform="translate(14 ${(h + top) / 2}) rotate(-90)" text-anchor="middle">seconds from launch to READY</text>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#333"/><line x1="${pad}" y1="${top}" x2="${pad}" y2="${h - pad}" stroke="#333"/>
${xTicks}${yTicks}
<text x="${w / 2}" y="${h - 10}" text-anchor="middle">when it was asked for (seconds since the start)</text>
<text x="${pad}" y="38"><tspan fill="#2c7fb8">● started at once</tspan>   <tspan fill="#e67e22">● waited in the queue</tspan>   <tspan fill="#c0392b">● never READY (drawn at the top)</tspan></text>
${dots}
</svg>
`;
}

/** The smallest subnet (its prefix length) of which two hold `ips` task addresses. */
function subnetFor(ips: number): number {
  let prefix = 28;
  while (prefix > 16 && 2 * IPS_PER_SUBNET.value(prefix) < ips) prefix--;
  return prefix;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
