import type { Duplex } from 'node:stream';
import { closeFrame, FrameBoundaries } from './ws-frames';

/**
 * One proxied WebSocket: the client's socket and, once upgraded, the app's. It carries the bytes
 * both ways as they are, following the app's frame boundaries (and counting its bytes) so it can
 * end the socket with a close code of the router's own. While it is open, its session counts as
 * active (ActivityTracker).
 */
export class WsConnection {
  private backend: Duplex | undefined;
  private readonly frames = new FrameBoundaries();
  /** Set once `close` starts: sends the close frame and drops the app's socket. */
  private finishClose: (() => void) | undefined;
  readonly closed: Promise<void>;
  /** Bytes the app sent (the client's direction is not watched: nothing there needs it). */
  bytesFromApp = 0;
  /** When the client last sent anything (its input: a message, a keystroke's event, a pong), epoch ms. */
  lastInputAt = Date.now();
  private draining = false;

  constructor(
    readonly sessionId: string,
    readonly client: Duplex,
    /** The token it was admitted with (the owner's, or a grantee's): checked again while it is open. */
    readonly token: string,
  ) {
    this.closed = new Promise((resolve) => {
      if (client.destroyed) resolve();
      else client.once('close', () => resolve());
    });
  }

  /**
   * Whether the socket counts as use of its session: open, and not closing. Once the app has sent
   * its close frame the conversation is over, whether or not the client ever answers (#11 M5).
   */
  get active(): boolean {
    return !this.client.destroyed && !this.frames.sawClose;
  }

  /** Called when the app accepted the upgrade (its 101 has gone to the client); `rest` is what followed the 101. */
  attach(backend: Duplex, rest: Buffer): void {
    this.backend = backend;
    backend.on('error', () => backend.destroy());
    backend.on('data', (chunk: Buffer) => this.onBackendData(chunk));
    backend.once('end', () => {
      this.appGone();
      this.client.end();
    });
    backend.once('close', () => {
      this.appGone();
      this.lingerAtMost(2000);
    });
    // The client's bytes go to the app as they come (with back-pressure); a client gone for good ends the app's side.
    this.client.pipe(backend);
    this.client.on('data', () => {
      this.lastInputAt = Date.now();
    });
    void this.closed.then(() => backend.end());
    if (rest.length) this.onBackendData(rest);
  }

  /** Writes the app's bytes to the client, pausing the app while the client's buffer is full. */
  private toClient(chunk: Buffer): void {
    if (this.client.write(chunk) || this.draining) return;
    this.draining = true;
    this.backend?.pause();
    this.client.once('drain', () => {
      this.draining = false;
      this.backend?.resume();
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
      this.toClient(chunk);
      // The app has begun the close handshake: a client that never answers is cut after 5 s.
      if (!closing && this.frames.sawClose) this.lingerAtMost(5000);
      return;
    }
    // Closing mid-frame: pass on what completes the frame, then the close frame.
    const upTo = this.frames.consume(chunk);
    if (upTo < 0) {
      this.toClient(chunk);
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
    else backend.resume(); // back-pressure may have paused it; the rest of the open frame is still to come
    return this.closed;
  }
}
