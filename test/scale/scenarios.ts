import { type LaunchOutcome, type ScenarioReport, summarize } from './report';
import { type SimPlaneOptions, startSimPlane } from './sim-plane';

/** The course notebook every student opens: a Fargate task of half a vCPU and 1 GiB, five minutes to start at most. */
const NOTEBOOK = `
notebook:
  description: The course notebook
  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/notebook:1
  port: 8888
  ready: { http: /api }
  resources: { cpu: 0.5, memory: 1Gi }
  launchTimeout: 300s
  # Students are at their notebooks: the simulator sends no traffic, so the idle rule is kept out of the way.
  idleTimeout: 4h
`;

interface Rush {
  name: string;
  launches: number;
  /** Over how many minutes the launches come (evenly at random). */
  minutes: number;
  /** How long the run is watched, from the first launch (minutes). */
  watch: number;
  /** How long each student keeps their session (minutes, evenly at random), then stops it; unset: all watch long. */
  stay?: [number, number];
  plane?: Partial<SimPlaneOptions>;
}

/** A class opens the same app at once: every launch a POST /sessions by its own user, at a random moment of the rush. */
async function rush(r: Rush): Promise<ScenarioReport> {
  const plane = await startSimPlane({ seed: 1, appsYaml: NOTEBOOK, ...r.plane });
  const { sim } = plane;
  const asked: (LaunchOutcome & { id?: string })[] = [];
  try {
    for (let i = 0; i < r.launches; i++) {
      const at = sim.start + sim.uniform(0, r.minutes * 60_000);
      sim.at(at, () => {
        void plane
          .request(`student${i}`, '/sessions', { method: 'POST', body: JSON.stringify({ app: 'notebook' }) })
          .then((res) => {
            const id = typeof res.body?.id === 'string' ? res.body.id : undefined;
            const code = typeof res.body?.code === 'string' ? res.body.code : undefined;
            asked.push({ askedAt: at, status: res.status, ...(code ? { code } : {}), ...(id ? { id } : {}) });
            if (id && r.stay)
              sim.at(sim.now() + sim.uniform(r.stay[0], r.stay[1]) * 60_000, () => {
                void plane.request(`student${i}`, `/sessions/${id}`, { method: 'DELETE' });
              });
          });
      });
    }
    await sim.runUntil(sim.start + r.watch * 60_000);
    const outcomes: LaunchOutcome[] = [];
    for (const a of asked) {
      const session = a.id ? await plane.records.get(a.id) : undefined;
      outcomes.push({ askedAt: a.askedAt, status: a.status, ...(a.code ? { code: a.code } : {}), ...(session ? { session } : {}) });
    }
    return summarize(r.name, plane, outcomes);
  } finally {
    await plane.close();
  }
}

export const SCENARIOS: Record<string, { about: string; run: () => Promise<ScenarioReport> }> = {
  'rush-500': {
    about: '9 a.m.: 500 students open the course notebook within 5 minutes (no pool)',
    run: () => rush({ name: '9 a.m. rush, 500 launches in 5 minutes', launches: 500, minutes: 5, watch: 15 }),
  },
  'rush-2000': {
    about: '9 a.m.: 2,000 students open the course notebook within 5 minutes (no pool)',
    run: () => rush({ name: '9 a.m. rush, 2,000 launches in 5 minutes', launches: 2000, minutes: 5, watch: 15 }),
  },
  'rush-quota': {
    about: '9 a.m.: 2,000 launches in 5 minutes against a Fargate vCPU quota of 500 (1,000 tasks), each kept 20-40 min',
    run: () =>
      rush({
        name: '9 a.m. rush, 2,000 launches against a 500-vCPU quota, each kept 20-40 minutes',
        launches: 2000,
        minutes: 5,
        watch: 60,
        stay: [20, 40],
        // Long enough a wait for the first class's sessions to end (the default, 15 minutes, is not).
        plane: { vcpuQuota: 500, env: { SESSIONPLANE_QUEUE_WAIT: '45m' } },
      }),
  },
  'rush-50': {
    about: 'a small class: 50 launches in a minute (the suite runs it)',
    run: () => rush({ name: '50 launches in a minute', launches: 50, minutes: 1, watch: 5 }),
  },
};
