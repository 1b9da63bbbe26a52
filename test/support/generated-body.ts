import { Readable } from 'node:stream';

/** A request body of `size` bytes, made as it is read (never whole in memory), for fetch with `duplex: 'half'`. */
export function generated(size: number): ReadableStream<Uint8Array> {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  let left = size;
  return Readable.toWeb(
    Readable.from(
      (function* () {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          yield chunk.subarray(0, n);
        }
      })(),
    ),
  ) as ReadableStream<Uint8Array>;
}
