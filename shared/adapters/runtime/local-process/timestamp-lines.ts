import { Transform } from 'node:stream';

/** Prefixes every line with its ISO time of arrival, so logs can be read `since` a time. */
export function timestampLines(now: () => number = Date.now): Transform {
  let partial = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      const stamp = new Date(now()).toISOString();
      done(null, lines.map((line) => `${stamp} ${line}\n`).join(''));
    },
    flush(done) {
      done(null, partial ? `${new Date(now()).toISOString()} ${partial}\n` : '');
    },
  });
}
