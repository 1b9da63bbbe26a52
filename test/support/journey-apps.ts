import { resolve } from 'node:path';

/* The AWS journey's apps file (test/infra/journey.moto523.test.ts). */

const DEMO = resolve('examples/apps');

/** An SSM parameter the journey's `licensed` app reads as a secret (made in moto before the deploy). */
export const LICENCE_PARAMETER = '/sessionplane/journey/licence';

/** The journey's apps file: one app of each kind, every one the demo image's programs, on `port`. */
export function journeyApps(port: number, region = 'eu-west-1', account = '123456789012'): string {
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
licensed:
  description: a job that tells the digest of the secret it was given by reference (never the value)
  kind: job
  image: registry.example.org/sessionplane/echo:1
  cmd: [node, -e, "console.log('LICENCE', require('node:crypto').createHash('sha256').update(process.env.LICENCE ?? 'unset').digest('hex'))"]
  secrets:
    LICENCE: arn:aws:ssm:${region}:${account}:parameter${LICENCE_PARAMETER}
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
