import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';

/*
 * Session processes started by a small helper process, not by forking the server (#39). `spawn` forks the calling
 * process and waits for the exec: from a server of ~200 MB that is 9 ms of its event loop alone, and about 60 ms a
 * launch when twenty start at once on two busy cores (a CPU profile of such a burst put 20 % of the server's time
 * there). The helper is a bare Node process of a few MB: it spawns what the server asks, passes each child's output
 * and exit back over its IPC channel, and writes to its stdin when told (the held shell's "go").
 *
 * Nothing is lost whatever dies: if the server dies, the helper's channel closes and it exits, so its children's pipes
 * close as the server's would have (a held shell exits at once; the rest are found by their pid records at the next
 * start, as before). If the helper dies, the server kills every process group it had started through it and reports
 * each exited (`helper-lost`), and starts a new helper for the next launch.
 */

/** The helper's last argument: what `ps` shows of it. */
export const HELPER_NAME = 'sessionplane-process-helper';

/** The helper, run with `node -e`: CommonJS, nothing but Node. */
const HELPER = `
const { spawn } = require('node:child_process');
const children = new Map();
const send = (m, then) => { if (process.connected) process.send(m, then); else if (then) then(); };
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m.op === 'spawn') {
    let child;
    try {
      child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, uid: m.uid, gid: m.gid, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      return send({ id: m.id, ev: 'error', message: error.message, code: error.code });
    }
    if (child.pid === undefined) {
      child.once('error', (error) => send({ id: m.id, ev: 'error', message: error.message, code: error.code }));
      return;
    }
    children.set(m.id, child);
    child.stdin.on('error', () => {});
    child.on('error', (error) => send({ id: m.id, ev: 'warn', message: error.message }));
    send({ id: m.id, ev: 'spawned', pid: child.pid });
    for (const [fd, stream] of [[1, child.stdout], [2, child.stderr]]) {
      // One chunk on the channel at a time: a chatty app waits for the server as it would for a pipe it reads.
      stream.on('data', (data) => {
        stream.pause();
        send({ id: m.id, ev: 'data', fd, data }, () => stream.resume());
      });
      stream.on('end', () => send({ id: m.id, ev: 'end', fd }));
    }
    child.once('exit', (code, signal) => {
      children.delete(m.id);
      send({ id: m.id, ev: 'exit', code, signal });
    });
  } else if (m.op === 'end') {
    children.get(m.id)?.stdin.end(m.data);
  }
});
`;

/** What of a child process the local runtime uses: its pid, output, stdin's end, its exit and errors. */
export interface SpawnedChild extends EventEmitter {
  readonly pid: number;
  readonly stdout: PassThrough;
  readonly stderr: PassThrough;
  /** Writes `data` to its stdin and closes it. */
  endInput(data: string): void;
}

class RemoteChild extends EventEmitter implements SpawnedChild {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  pid = 0;
  exited = false;
  constructor(
    private readonly id: number,
    private readonly helper: Spawner,
  ) {
    super();
  }
  endInput(data: string): void {
    this.helper.tell({ op: 'end', id: this.id, data });
  }
}

interface SpawnRequest {
  file: string;
  args: string[];
  cwd: string | undefined;
  env: Record<string, string>;
  uid?: number | undefined;
  gid?: number | undefined;
}

type HelperMessage =
  | { id: number; ev: 'spawned'; pid: number }
  | { id: number; ev: 'error'; message: string; code?: string }
  | { id: number; ev: 'warn'; message: string }
  | { id: number; ev: 'data'; fd: 1 | 2; data: Uint8Array }
  | { id: number; ev: 'end'; fd: 1 | 2 }
  | { id: number; ev: 'exit'; code: number | null; signal: NodeJS.Signals | null };

/** The server's side of the helper: one per server, started on the first spawn, started again if it dies. */
export class Spawner {
  private helper: ChildProcess | undefined;
  private next = 1;
  private readonly children = new Map<number, RemoteChild>();
  private readonly pending = new Map<number, { resolve: (c: RemoteChild) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly onLost: (pids: number[]) => void,
    /** The helper's own environment (each session's is given with its spawn). */
    private readonly env: Record<string, string>,
  ) {}

  /** Starts `file` in a process group of its own through the helper; resolves once it exists (its pid), or rejects. */
  spawn(request: SpawnRequest): Promise<SpawnedChild> {
    const helper = this.ensure();
    const id = this.next++;
    const child = new RemoteChild(id, this);
    this.children.set(id, child);
    this.holdOpen();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      helper.send({ op: 'spawn', id, ...request });
    });
  }

  /** The helper keeps this process alive only while it has children here (an idle helper never holds up an exit). */
  private holdOpen(): void {
    const channel = this.helper?.channel as { ref(): void; unref(): void } | undefined;
    if (this.children.size) channel?.ref();
    else channel?.unref();
  }

  tell(message: object): void {
    if (this.helper?.connected) this.helper.send(message);
  }

  /** No more spawns: the helper exits once its channel closes (its children are the runtime's to stop first). */
  close(): void {
    this.helper?.disconnect();
    this.helper = undefined;
  }

  private ensure(): ChildProcess {
    if (this.helper?.connected) return this.helper;
    // Named in its argv, so `ps` says what it is.
    const helper = spawn(process.execPath, ['-e', HELPER, HELPER_NAME], {
      env: this.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      // A group of its own: a terminal's Ctrl-C (or a supervisor's signal to the server's group) is the server's to
      // handle, stopping its sessions in order; the helper goes when the server's channel closes.
      detached: true,
    });
    helper.on('message', (m: HelperMessage) => this.received(m));
    helper.once('exit', () => this.lost(helper));
    helper.on('error', () => this.lost(helper));
    helper.unref();
    this.helper = helper;
    return helper;
  }

  private received(m: HelperMessage): void {
    const child = this.children.get(m.id);
    if (!child) return;
    switch (m.ev) {
      case 'spawned': {
        child.pid = m.pid;
        this.pending.get(m.id)?.resolve(child);
        this.pending.delete(m.id);
        break;
      }
      case 'error': {
        this.children.delete(m.id);
        this.holdOpen();
        const error = Object.assign(new Error(m.message), m.code ? { code: m.code } : {});
        this.pending.get(m.id)?.reject(error);
        this.pending.delete(m.id);
        break;
      }
      case 'warn':
        child.emit('error', new Error(m.message));
        break;
      case 'data':
        (m.fd === 1 ? child.stdout : child.stderr).write(Buffer.from(m.data));
        break;
      case 'end':
        (m.fd === 1 ? child.stdout : child.stderr).end();
        break;
      case 'exit':
        this.children.delete(m.id);
        child.exited = true;
        child.emit('exit', m.code, m.signal);
        break;
    }
    this.holdOpen();
  }

  /** The helper died (or could not start): what it had started is killed and reported exited; launches wait for none. */
  private lost(helper: ChildProcess): void {
    if (this.helper === helper) this.helper = undefined;
    for (const [id, pending] of this.pending) {
      pending.reject(new Error('the process helper exited'));
      this.children.delete(id);
    }
    this.pending.clear();
    const orphans = [...this.children.values()].filter((c) => c.pid && !c.exited);
    this.children.clear();
    this.onLost(orphans.map((c) => c.pid));
    for (const child of orphans) {
      child.stdout.end();
      child.stderr.end();
      child.exited = true;
      child.emit('exit', null, 'SIGKILL');
    }
  }
}
