import { cpus } from 'node:os';
import { benchApiLaunch } from './api-launch';

// `npm run bench`: measures and prints; it never passes or fails on a time.
const header = `Sessionplane benchmarks, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
process.stdout.write(`${header}\n\n`);
process.stdout.write(`${await benchApiLaunch()}\n`);
process.exit(0);
