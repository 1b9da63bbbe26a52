import type { WriteStream } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Docker from 'dockerode';
import { openSessionLog } from '../local-process/session-log';
import { timestampLines } from '../local-process/timestamp-lines';

/**
 * A container's stdout and stderr, split from the engine's multiplexed stream (Docker's 8-byte
 * frames, which podman serves too), each line stamped into the session's log as a process
 * session's are. Returns the two streams for the ready-line watcher.
 */
function recordContainerOutput(docker: Docker, raw: NodeJS.ReadableStream, log: WriteStream): Readable[] {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(raw, stdout, stderr);
  const end = () => {
    stdout.end();
    stderr.end();
  };
  raw.on('end', end);
  raw.on('close', end);
  raw.on('error', end);
  const outputs = [stdout.pipe(timestampLines()), stderr.pipe(timestampLines())];
  for (const output of outputs) output.pipe(log, { end: false });
  void Promise.allSettled(outputs.map((o) => finished(o))).then(() => log.end());
  return [stdout, stderr];
}

/**
 * Everything a container wrote so far (both streams, split from the engine's frames), for a ready line looked for after
 * a restart.
 */
export async function pastOutput(docker: Docker, container: Docker.Container): Promise<Buffer> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  const text = new PassThrough();
  const parts: Buffer[] = [];
  text.on('data', (chunk: Buffer) => parts.push(chunk));
  const frames = Readable.from([raw]);
  docker.modem.demuxStream(frames, text, text);
  await finished(frames);
  return Buffer.concat(parts);
}

/** Follows a container's output into its session's log (opened here), as one stream per source. */
export async function attachOutput(
  docker: Docker,
  container: Docker.Container,
  logPath: string,
  onLogError?: (error: Error) => void,
): Promise<Readable[]> {
  const log = openSessionLog(logPath);
  if (onLogError) log.on('error', onLogError);
  return recordContainerOutput(docker, await container.attach({ stream: true, stdout: true, stderr: true }), log);
}
