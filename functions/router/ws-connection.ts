import type { Duplex } from 'node:stream';
import { closeFrame, FrameBoundaries } from './ws-frames';

/**
 * One proxied WebSocket: the client's socket and, once upgraded, the app's. The library pipes the
 * bytes; this only follows the app's frame boundaries (and counts its bytes), so it can end the socket with a close
 * code of the router's own. While it is open, its session counts as active (ActivityTracker).
 */
export class WsConnection {
  private backend: Duplex | undefined;
  private readonly frames = new FrameBoundaries();
  /** Set once `close` starts: sends the close frame and drops the app's socket. */
  private finishClose: (() => void) | undefined;
  readonly closed: Promise<void>;
  /** Bytes the app sent (the client's direction is not watched: nothing there needs it). */
  bytesFromApp = 0;

  constructor(readonly sessionId: string, readonly client: Duplex) {
    this.closed = new Promise((resolve) => client.once('close', () => resolve()));
  }

  /** Called when the app accepted the upgrade; before the library starts piping. */
  attach(backend: Duplex): void {
    this.backend = backend;
    backend.on('data', (chunk: Buffer) => this.onBackendData(chunk));
  }

  private onBackendData(chunk: Buffer): void {
    this.bytesFromApp += chunk.length;
    if (!this.finishClose) {
      this.frames.consume(chunk);
      return;
    }
    // Closing mid-frame: pass on what completes the frame, then the close frame.
    const upTo = this.frames.consume(chunk);
    if (upTo < 0) {
      this.client.write(chunk);
      return;
    }
    this.client.write(chunk.subarray(0, upTo));
    this.finishClose();
  }

  /** Ends the socket with `code` (e.g. 1001) once no frame is half sent. Bounded by `timeoutMs`. */
  close(code: number, reason: string, timeoutMs = 2000): Promise<void> {
    const backend = this.backend;
    if (!backend || this.client.destroyed) {
      this.client.destroy();
      return this.closed;
    }
    if (this.finishClose) return this.closed;
    backend.unpipe(this.client);
    this.client.unpipe(backend);
    // unpipe pauses; keep reading the client (its close reply, then its FIN) so the socket can end.
    this.client.resume();
    const timer = setTimeout(() => { this.client.destroy(); backend.destroy(); }, timeoutMs);
    timer.unref();
    void this.closed.then(() => clearTimeout(timer));
    this.finishClose = () => {
      this.client.end(closeFrame(code, reason));
      backend.destroy();
    };
    if (this.frames.atBoundary) this.finishClose();
    else backend.resume(); // unpipe paused it; the rest of the open frame is still to come
    return this.closed;
  }
}
