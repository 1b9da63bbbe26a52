import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll } from 'vitest';
import { CloudWatchSessionLogs } from '../../shared/adapters/aws/cloudwatch-session-logs';
import { FileSessionLogs } from '../../shared/adapters/in-process/file-session-logs';
import { motoDescribe, startMoto } from '../support/moto';
import { loggedSession, sessionLogsContract } from './session-logs.contract';

/* The SessionLogs contract, run by the local log files and by CloudWatch Logs (against moto). */

const dir = mkdtempSync(join(tmpdir(), 'sp-logs-'));
const files = new FileSessionLogs((id) => join(dir, `${id}.log`));
sessionLogsContract('FileSessionLogs (the local runtimes)', () => ({
  logs: files,
  session: () => loggedSession((id) => `local:${id}:1`),
  // As the local runtimes write them (timestamp-lines.ts): `<ISO time> <line>`.
  write: async (session, lines) =>
    appendFileSync(
      join(dir, `${session.id}.log`),
      lines.map((l) => `${new Date(l.at).toISOString()} ${l.text}\n`).join(''),
    ),
}));

motoDescribe()('CloudWatch Logs against moto', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let client: CloudWatchLogsClient;
  const options = {
    logGroupOf: (app: string) => `/sessionplane/${app}`,
    streamPrefix: 'session',
    containerName: 'app',
  };
  beforeAll(async () => {
    moto = await startMoto();
    client = new CloudWatchLogsClient({
      region: 'eu-west-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await client.send(new CreateLogGroupCommand({ logGroupName: options.logGroupOf('echo') }));
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await moto?.close();
  });

  sessionLogsContract('CloudWatchSessionLogs (ECS tasks, awslogs)', () => ({
    logs: new CloudWatchSessionLogs(client, options),
    session: () => loggedSession((id) => `arn:aws:ecs:eu-west-1:123456789012:task/sessionplane/${id.slice(0, 32)}`),
    // As the awslogs driver writes a task's output: one stream per task, `<prefix>/<container>/<task id>`.
    write: async (session, lines) => {
      const logStreamName = `session/app/${session.runtime!.runtimeId.split('/').pop()}`;
      await client.send(new CreateLogStreamCommand({ logGroupName: options.logGroupOf('echo'), logStreamName }));
      await client.send(
        new PutLogEventsCommand({
          logGroupName: options.logGroupOf('echo'),
          logStreamName,
          logEvents: lines.map((l) => ({ timestamp: l.at, message: l.text })),
        }),
      );
    },
  }));
});
