// A demo batch job: prints its arguments, works through ITEMS items (ITEM_MS each), then exits with EXIT_CODE.
// Nothing listens: it is a job (`kind: job` in apps.yml), not an app; its output is its log.
const items = Number(process.env.ITEMS ?? 3);
const itemMs = Number(process.env.ITEM_MS ?? 0);
const code = Number(process.env.EXIT_CODE ?? 0);

console.log(`args: ${JSON.stringify(process.argv.slice(2))}`);
if (process.env.REPLICA_ID) console.log(`replica ${process.env.REPLICA_ID} of ${process.env.REPLICA_COUNT}`);
let done = 0;
const next = () => {
  if (done === items) {
    console.log(`done, exiting ${code}`);
    process.exitCode = code;
    return;
  }
  done += 1;
  console.log(`item ${done} of ${items}`);
  setTimeout(next, itemMs);
};
next();
