import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chart, formatReport } from './report';
import { SCENARIOS } from './scenarios';

// npm run scale -- <scenario>...: each scenario's table on stdout, its chart (SVG) and figures (JSON) under
// test/.artifacts/scale/.
const names = process.argv.slice(2);
if (!names.length || names.some((n) => !SCENARIOS[n])) {
  console.error(
    `usage: npm run scale -- <scenario>...\n${Object.entries(SCENARIOS)
      .map(([n, s]) => `  ${n.padEnd(16)} ${s.about}`)
      .join('\n')}`,
  );
  process.exit(2);
}
const out = join('test', '.artifacts', 'scale');
mkdirSync(out, { recursive: true });
for (const name of names) {
  const began = performance.now();
  const report = await SCENARIOS[name]!.run();
  console.log(
    `${formatReport(report)}\n(simulated in ${((performance.now() - began) / 1000).toFixed(1)} s of real time)\n`,
  );
  writeFileSync(join(out, `${name}.svg`), chart(report));
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
}
