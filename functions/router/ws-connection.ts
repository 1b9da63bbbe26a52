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

  constructor(
    readonly sessionId: string,
    readonly client: Duplex,
  ) {
    this.closed = new Promise((resolve) => {
      if (client.destroyed) resolve();
      else client.once('close', () => resolve());
    });
  }

  /** True once the app accepted the upgrade. */
  get upgraded(): boolean {
    return this.backend !== undefined;
  }

  /**
   * Whether the socket counts as use of its session: open, and not closing. Once the app has sent
   * its close frame the conversation is over, whether or not the client ever answers (#11 M5).
   */
  get active(): boolean {
    return !this.client.destroyed && !this.frames.sawClose;
  }

  /** Called when the app accepted the upgrade; before the library starts piping. */
  attach(backend: Duplex): void {
    this.backend = backend;
    backend.on('data', (chunk: Buffer) => this.onBackendData(chunk));
    // Before the library's own listeners: its pipe ends the client's socket on the app's 'end'.
    backend.once('end', () => this.appGone());
    backend.once('close', () => {
      this.appGone();
      this.lingerAtMost(2000);
    });
  }

  /**
   * The app's side ended. If it said goodbye (a close frame), that is passed on as it was; if it
   * did not (it crashed, or was killed), the client gets a close frame of ours, 1011, rather than
   * a bare end that browsers report as 1006 (#11 m7).
   */
  private appGone(): void {
    if (this.finishClose || this.frames.sawClose || !this.frames.atBoundary || !this.client.writable) return;
    this.frames.sawClose = true;
    this.client.write(closeFrame(1011, 'the session app ended the connection'));
  }

  /** The socket is ended: the client has `ms` to finish (its close reply, its FIN), then it is cut. */
  private lingerAtMost(ms: number): void {
    if (this.client.destroyed) return;
    this.client.resume();
    const timer = setTimeout(() => {
      this.client.destroy();
      this.backend?.destroy();
    }, ms);
    timer.unref();
    void this.closed.then(() => clearTimeout(timer));
  }

  private onBackendData(chunk: Buffer): void {
    this.bytesFromApp += chunk.length;
    if (!this.finishClose) {
      const closing = this.frames.sawClose;
      this.frames.consume(chunk);
      // The app has begun the close handshake: a client that never answers is cut after 5 s.
      if (!closing && this.frames.sawClose) this.lingerAtMost(5000);
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
    const timer = setTimeout(() => {
      this.client.destroy();
      backend.destroy();
    }, timeoutMs);
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
