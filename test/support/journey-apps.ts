import { resolve } from 'node:path';

/* The AWS journey's apps file (test/infra/journey.moto523.test.ts). */

const DEMO = resolve('examples/apps');

/** The journey's apps file: one app of each kind, every one the demo image's programs, on `port`. */
export function journeyApps(port: number): string {
  const echo = `cmd: [node, echo-ws.mjs, --host, "\${host}", --port, "\${port}"]\n  port: ${port}\n  ready: { tcp: true }`;
  return `plain:
  description: an image of its own
  image: registry.example.org/sessionplane/echo:1
  ${echo}
built:
  description: built by the stack; its secret sealed with KMS
  build: ${DEMO}
  cmd: [node, wslink-app.mjs, --host, "\${host}", --port, "\${port}"]
  port: ${port}
  ready: { tcp: true }
notes:
  description: the user's home mounted
  build: ${DEMO}
  home: /home/user
  ${echo}
pooled:
  description: kept warm; built, so its secret is sealed for the warm task
  build: ${DEMO}
  pool: { min: 1 }
  ${echo}
idle:
  description: stopped by the reaper when nobody uses it
  image: registry.example.org/sessionplane/echo:1
  idleTimeout: 2s
  ${echo}
custom:
  description: a user's own image
  image: registry.example.org/sessionplane/echo:1
  customImage: true
  ${echo}
batch:
  description: a job; one over its owner's cap waits its turn in the queue
  kind: job
  build: ${DEMO}
  cmd: [node, batch.mjs]
  params:
    ITEMS: { type: integer, min: 0, max: 100, default: 1 }
    ITEM_MS: { type: integer, min: 0, max: 10000, default: 0 }
`;
}
