// A load client in its own process (so it does not share the server's event loop): GETs `url`
// `total` times with `concurrency` in flight, after `warmup` more; prints the latencies (ms) and
// the rate as JSON. Usage: node http-client.mjs URL TOTAL CONCURRENCY WARMUP AUTHORIZATION
// (URL may be several, separated by spaces: the requests take them in turn, a mixed load).

const [urlList, total, concurrency, warmup, authorization] = process.argv.slice(2);
const urls = urlList.split(' ');
let turn = 0;
const once = async () => {
  const url = urls[turn++ % urls.length];
  const t0 = performance.now();
  const res = await fetch(url, { headers: { authorization } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return performance.now() - t0;
};
const run = async (n) => {
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Number(concurrency) }, async () => {
      while (next++ < n) latencies.push(await once());
    }),
  );
  return { latencies, perSecond: n / ((performance.now() - t0) / 1000) };
};
await run(Number(warmup));
process.stdout.write(JSON.stringify(await run(Number(total))));
