import { cpus } from 'node:os';
import { benchApiLaunch } from './api-launch';
import { benchBundles } from './bundles';
import { benchReaper } from './reaper';
import { benchRouter } from './router';

// `npm run bench`: measures and prints; it never passes or fails on a time.
// `npm run bench -- router` runs one part (api, router, bundles, reaper).
const parts: Record<string, () => Promise<string>> = { api: benchApiLaunch, router: benchRouter, bundles: benchBundles, reaper: benchReaper };
const chosen = process.argv.slice(2).filter((p) => p in parts);
const header = `Sessionplane benchmarks, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
process.stdout.write(`${header}\n\n`);
for (const name of chosen.length ? chosen : Object.keys(parts)) process.stdout.write(`${await parts[name]!()}\n\n`);
process.exit(0);
