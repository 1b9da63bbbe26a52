import type { AppSpec } from '../../domain/app';
import pTimeout from 'p-timeout';
import type { AppDefaults } from '../../config/apps';
import { appsFromImages } from '../../config/image-labels';
import type { ImageSource } from '../../ports/image-source';
import { silentLogger, type Logger } from '../../ports/logger';

export interface ImageAppsOptions {
  /** SESSIONPLANE_IMAGE_PREFIXES: only images from these repositories become apps. */
  allowedPrefixes: readonly string[];
  /** How long one look at the sources is reused. */
  ttlMs: number;
  defaults?: AppDefaults;
  logger?: Logger;
  now?: () => number;
  /** How long one source may take to answer (default LOOK_TIMEOUT_MS). */
  timeoutMs?: number;
}

const LOOK_TIMEOUT_MS = 3000;

/**
 * The apps that labelled images describe, looked for at most once per TTL (one look at a time,
 * however many callers). A source that cannot be read keeps its last answer until it can: a
 * registry hiccup never empties the catalog.
 */
export class ImageApps {
  private apps: ReadonlyMap<string, AppSpec> = new Map();
  private readonly lastSeen = new Map<string, Awaited<ReturnType<ImageSource['list']>>>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  private readonly reported = new Set<string>();
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(
    private readonly sources: readonly ImageSource[],
    private readonly options: ImageAppsOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  current(): ReadonlyMap<string, AppSpec> {
    return this.apps;
  }

  refresh(): Promise<void> {
    if (this.now() - this.fetchedAt < this.options.ttlMs) return Promise.resolve();
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    // A source that does not answer in time (an engine that hangs) counts as failed: requests wait on this.
    const answers = await Promise.allSettled(
      this.sources.map((source) => {
        const ms = this.options.timeoutMs ?? LOOK_TIMEOUT_MS;
        return pTimeout(source.list(), {
          milliseconds: ms,
          message: `listing the ${source.name}'s images took longer than ${ms} ms`,
        });
      }),
    );
    answers.forEach((answer, i) => {
      const source = this.sources[i]!;
      if (answer.status === 'fulfilled') this.lastSeen.set(source.name, answer.value);
      else
        this.logger.warn(
          { source: source.name, err: (answer.reason as Error).message },
          'cannot list labelled images; keeping the last answer',
        );
    });
    const { apps, problems } = appsFromImages(
      [...this.lastSeen.values()].flat(),
      this.options.allowedPrefixes,
      this.options.defaults,
    );
    for (const problem of problems) {
      if (this.reported.has(problem)) continue;
      this.reported.add(problem);
      this.logger.warn({ problem }, 'an image is labelled as an app but its labels are not valid');
    }
    this.apps = apps;
    this.fetchedAt = this.now();
  }
}
