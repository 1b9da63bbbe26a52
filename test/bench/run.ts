import { cpus } from 'node:os';
import { benchApiLaunch } from './api-launch';
import { benchBundles } from './bundles';
import { benchContainers } from './containers';
import { benchEvents } from './events';
import { benchHistory } from './history';
import { benchIdleMemory } from './idle-memory';
import { benchLaunchEcho } from './launch-echo';
import { benchPools } from './pools';
import { benchReaper } from './reaper';
import { benchRouter } from './router';
import { benchRouterScale } from './router-scale';
import { benchShares } from './shares';
import { benchSoak } from './soak';

// `npm run bench`: measures and prints; it never passes or fails on a time.
// `npm run bench -- router` runs one part (launch, pools, events, containers, memory, api, router, router-scale, bundles, reaper, shares, history, soak).
const parts: Record<string, () => Promise<string>> = {
  launch: benchLaunchEcho,
  pools: benchPools,
  events: benchEvents,
  containers: benchContainers,
  memory: benchIdleMemory,
  api: benchApiLaunch,
  router: benchRouter,
  'router-scale': benchRouterScale,
  bundles: benchBundles,
  reaper: benchReaper,
  shares: benchShares,
  history: benchHistory,
  soak: () =>
    benchSoak({
      requests: Number(process.env.SOAK_REQUESTS ?? 30_000),
      cycles: Number(process.env.SOAK_CYCLES ?? 1_000),
      inMemory: process.env.SOAK_STORE === 'memory',
    }),
};
const chosen = process.argv.slice(2).filter((p) => p in parts);
const header = `Sessionplane benchmarks, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
process.stdout.write(`${header}\n\n`);
for (const name of chosen.length ? chosen : Object.keys(parts)) process.stdout.write(`${await parts[name]!()}\n\n`);
process.exit(0);
