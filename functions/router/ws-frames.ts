/**
 * Follows WebSocket frame boundaries in a byte stream that is piped as-is (RFC 6455 §5.2), so
 * that the router can add a close frame of its own without cutting a frame in half. On the
 * per-message path: no allocation unless a header is split across chunks.
 *
 *   header: 2 bytes [+ 2 or 8 bytes of length] [+ 4 bytes of mask] | payload
 */
export class FrameBoundaries {
  /** Bytes of a header split across chunks (rare). */
  private partial: Buffer | undefined;
  private remaining = 0;
  /** True once a close frame (opcode 0x8) has begun. */
  sawClose = false;

  /** True when the bytes seen so far end exactly after a frame. */
  get atBoundary(): boolean {
    return this.remaining === 0 && this.partial === undefined;
  }

  /**
   * Consumes `chunk`; returns how many of its bytes complete the frame that was open when it
   * arrived (0 if none was open), or -1 if that frame is still not complete after the chunk.
   */
  consume(chunk: Buffer): number {
    let firstBoundary = this.atBoundary ? 0 : -1;
    let i = 0;
    if (this.partial) {
      // Complete the split header from the front of this chunk.
      const joined = Buffer.concat([this.partial, chunk.subarray(0, 14)]);
      const header = headerLength(joined, 0);
      if (header > joined.length) {
        this.partial = joined;
        return -1;
      }
      i = header - this.partial.length;
      if ((joined[0]! & 0x0f) === 0x8) this.sawClose = true;
      this.remaining = payloadLength(joined, 0);
      this.partial = undefined;
    }
    for (;;) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining > 0) return firstBoundary;
      }
      if (firstBoundary < 0) firstBoundary = i;
      if (i >= chunk.length) return firstBoundary;
      const header = headerLength(chunk, i);
      if (i + header > chunk.length) {
        this.partial = Buffer.from(chunk.subarray(i));
        return firstBoundary;
      }
      if ((chunk[i]! & 0x0f) === 0x8) this.sawClose = true;
      this.remaining = payloadLength(chunk, i);
      i += header;
    }
  }
}

/** The header length of the frame at `at`, as far as the bytes there tell (2 if only one byte). */
function headerLength(buf: Buffer, at: number): number {
  if (buf.length - at < 2) return 2;
  const b1 = buf[at + 1]!;
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

function payloadLength(buf: Buffer, at: number): number {
  const len7 = buf[at + 1]! & 0x7f;
  if (len7 === 126) return buf.readUInt16BE(at + 2);
  if (len7 === 127) return Number(buf.readBigUInt64BE(at + 2));
  return len7;
}

/** An unmasked close frame (server → client) with a status code and a short reason. */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123);
  const frame = Buffer.alloc(4 + text.length);
  frame[0] = 0x88;
  frame[1] = 2 + text.length;
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}
