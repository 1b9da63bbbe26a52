import { describe, expect, it } from 'vitest';
import { closeFrame, FrameBoundaries } from '../../../functions/router/ws-frames';

/** A frame as a server (or, masked, a client) would send it. */
function frame(payloadLength: number, masked = false): Buffer {
  const ext = payloadLength < 126 ? 0 : payloadLength < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + ext + (masked ? 4 : 0));
  header[0] = 0x82;
  header[1] = (masked ? 0x80 : 0) | (ext === 0 ? payloadLength : ext === 2 ? 126 : 127);
  if (ext === 2) header.writeUInt16BE(payloadLength, 2);
  if (ext === 8) header.writeBigUInt64BE(BigInt(payloadLength), 2);
  return Buffer.concat([header, Buffer.alloc(payloadLength, 7)]);
}

describe('FrameBoundaries', () => {
  it('finds every boundary whatever the chunking, for all three length forms and masks', () => {
    // Tiny chunks split every header; they run over small frames (7- and 16-bit lengths), large
    // chunks over the 64-bit-length ones too.
    const small = [frame(0), frame(5), frame(125), frame(126), frame(300, true), frame(3, true), frame(2000)];
    const large = [...small, frame(65535), frame(70_000), frame(1, true)];
    for (let trial = 0; trial < 100; trial++) {
      const frames = trial % 2 ? small : large;
      const stream = Buffer.concat(frames);
      const ends = new Set<number>();
      let offset = 0;
      for (const f of frames) {
        offset += f.length;
        ends.add(offset);
      }
      const tracker = new FrameBoundaries();
      let pos = 0;
      while (pos < stream.length) {
        const size = 1 + Math.floor(Math.random() * (trial % 2 ? 7 : 5000));
        const chunk = stream.subarray(pos, pos + size);
        const wasAtBoundary = tracker.atBoundary;
        const first = tracker.consume(chunk);
        pos += chunk.length;
        expect(tracker.atBoundary).toBe(ends.has(pos));
        if (wasAtBoundary) expect(first).toBe(0);
        else if (first > 0) expect(ends.has(pos - chunk.length + first)).toBe(true);
      }
    }
  });

  it('says how much of a chunk completes the open frame', () => {
    const tracker = new FrameBoundaries();
    const f = frame(10);
    expect(tracker.consume(f.subarray(0, 5))).toBe(0);
    expect(tracker.consume(f.subarray(5, 8))).toBe(-1);
    expect(tracker.consume(Buffer.concat([f.subarray(8), frame(4)]))).toBe(f.length - 8);
  });
});

describe('closeFrame', () => {
  it('is a final close frame with the code and reason', () => {
    const f = closeFrame(1001, 'going away');
    expect([...f.subarray(0, 4)]).toEqual([0x88, 12, 0x03, 0xe9]);
    expect(f.subarray(4).toString()).toBe('going away');
  });
});
