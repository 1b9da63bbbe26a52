// An app's CPU rule on ECS (its apps-file `busyCpu`), reported from inside its task: the control plane cannot read a
// Fargate task's CPU, but the task can. Every SESSION_BUSY_SAMPLE_MS (30 s) it reads the task's Docker stats from the
// task metadata endpoint (`${ECS_CONTAINER_METADATA_URI_V4}/task/stats`: each container's `cpu_stats.cpu_usage.
// total_usage`, nanoseconds), and when the task used more than SESSION_BUSY_CPU vCPUs since the last sample it tells
// the API so (`POST $SESSION_ACTIVITY_URL` with its own secret), as a busy kernel would.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4.html

/** The task's CPU time so far (seconds, every container), or undefined when the endpoint does not answer. */
async function taskCpuSeconds(metadataUri) {
  try {
    const res = await fetch(`${metadataUri}/task/stats`);
    if (!res.ok) return undefined;
    const stats = await res.json();
    let ns = 0;
    for (const container of Object.values(stats ?? {})) ns += container?.cpu_stats?.cpu_usage?.total_usage ?? 0;
    return ns / 1e9;
  } catch {
    return undefined;
  }
}

/** Starts the reporter where the task has what it needs (a rule, the endpoint, where to report); returns its stop. */
export function reportBusy(env) {
  const vcpus = Number(env.SESSION_BUSY_CPU);
  const metadata = env.ECS_CONTAINER_METADATA_URI_V4;
  const url = env.SESSION_ACTIVITY_URL;
  if (!(vcpus > 0) || !metadata || !url || !env.SESSION_SECRET) return () => undefined;
  const every = Number(env.SESSION_BUSY_SAMPLE_MS ?? 30_000);
  let last;
  const sample = async () => {
    const cpu = await taskCpuSeconds(metadata);
    if (cpu === undefined) return;
    const now = { at: Date.now(), cpu };
    const before = last;
    last = now;
    if (!before || (now.cpu - before.cpu) / ((now.at - before.at) / 1000) <= vcpus) return;
    await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${env.SESSION_SECRET}` } }).catch((error) =>
      console.error(`sessionplane-entry: could not report activity: ${error.message}`),
    );
  };
  const timer = setInterval(() => void sample(), every);
  timer.unref();
  void sample();
  return () => clearInterval(timer);
}
