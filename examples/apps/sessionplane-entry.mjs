// The entrypoint of the demo image (Containerfile): unseals the session secret, then runs the app.
//
// On ECS the API puts only ciphertext in the task's overrides (SESSION_SECRET_SEALED, KMS-encrypted
// under the context {sessionplane:session, sessionplane:app}), because the overrides are shown to
// anyone who may describe tasks, to every task state change event and to CloudTrail. This decrypts
// it with the task role (whose kms:Decrypt holds only for its own app's context), sets
// SESSION_SECRET, expands `${SESSION_SECRET}` in the command, and runs it, passing signals on.
// Without SESSION_SECRET_SEALED (npm start, or a deployment without the key) it only runs the command. Where the app
// has a CPU rule (SESSION_BUSY_CPU), it also reports the task busy while it works (busy-reporter.mjs).
import { spawn } from 'node:child_process';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { reportBusy } from './busy-reporter.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('sessionplane-entry: no command to run');
  process.exit(64);
}
const env = { ...process.env };
if (env.SESSION_SECRET_SEALED) {
  try {
    const kms = new KMSClient({});
    const { Plaintext } = await kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(env.SESSION_SECRET_SEALED, 'base64'),
        EncryptionContext: {
          'sessionplane:session': env.SESSION_ID ?? '',
          'sessionplane:app': env.SESSIONPLANE_APP ?? '',
        },
      }),
    );
    env.SESSION_SECRET = Buffer.from(Plaintext).toString('utf8');
    kms.destroy();
  } catch (error) {
    // Never the ciphertext or anything derived from it: only what failed.
    console.error(`sessionplane-entry: cannot unseal the session secret: ${error.name}`);
    process.exit(70);
  }
  delete env.SESSION_SECRET_SEALED;
}
const argv = args.map((a) => a.replaceAll('${SESSION_SECRET}', env.SESSION_SECRET ?? ''));
const child = spawn(command, argv, { stdio: 'inherit', env });
// The app's CPU rule, where it has one: busy while its task works (busy-reporter.mjs).
const stopReporting = reportBusy(env);
child.once('exit', stopReporting);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.once('error', (error) => {
  console.error(`sessionplane-entry: cannot run ${command}: ${error.message}`);
  process.exit(127);
});
child.once('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
