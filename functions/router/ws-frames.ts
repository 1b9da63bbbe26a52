/**
 * Follows WebSocket frame boundaries in a byte stream that is piped as-is (RFC 6455 §5.2), so
 * that the router can add a close frame of its own without cutting a frame in half.
 *
 *   header: 2 bytes [+ 2 or 8 bytes of length] [+ 4 bytes of mask] | payload
 */
export class FrameBoundaries {
  private header = Buffer.alloc(0);
  private remaining = 0;

  /** True when the bytes seen so far end exactly after a frame. */
  get atBoundary(): boolean {
    return this.remaining === 0 && this.header.length === 0;
  }

  /**
   * Consumes `chunk`; returns how many of its bytes complete the frame that was open when it
   * arrived (0 if none was open), or -1 if that frame is still not complete after the chunk.
   */
  consume(chunk: Buffer): number {
    let firstBoundary = this.atBoundary ? 0 : -1;
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
      } else {
        const need = this.headerLength();
        const take = Math.min(need - this.header.length, chunk.length - i);
        this.header = Buffer.concat([this.header, chunk.subarray(i, i + take)]);
        i += take;
        if (this.header.length === this.headerLength()) {
          this.remaining = this.payloadLength();
          this.header = Buffer.alloc(0);
        }
      }
      if (firstBoundary < 0 && this.atBoundary) firstBoundary = i;
    }
    return firstBoundary;
  }

  /** The full header length, as far as the bytes seen so far tell. */
  private headerLength(): number {
    if (this.header.length < 2) return 2;
    const len7 = this.header[1]! & 0x7f;
    const mask = this.header[1]! & 0x80 ? 4 : 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + mask;
  }

  private payloadLength(): number {
    const len7 = this.header[1]! & 0x7f;
    if (len7 === 126) return this.header.readUInt16BE(2);
    if (len7 === 127) return Number(this.header.readBigUInt64BE(2));
    return len7;
  }
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
