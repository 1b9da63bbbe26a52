import { LRUCache } from 'lru-cache';
import type { Session } from '../../domain/session';
import type { Page } from '../../ports/session-store';

type PageOptions = { limit?: number; cursor?: string };

const pageKey = (owner: string, options: PageOptions = {}) =>
  JSON.stringify([owner, options.limit ?? null, options.cursor ?? null]);

/**
 * The lists a store's readers ask for again and again (an owner's page of sessions, what is shared
 * with a set of names), as last read, for a store this process alone writes: the portal and clients
 * poll them while nothing changes. Whoever writes says whose lists it changed (an owner's pages), or
 * that it cannot tell (every list); what is shared with anyone is dropped on every write, since any
 * session's grants may have changed. Bounded by the sessions the pages hold, not by the number of
 * owners (#39: lists read at 1,000 req/s with 1,000 ended sessions on record).
 */
export class ListCache {
  private readonly owners = new Map<string, Set<string>>();
  private readonly pages: LRUCache<string, Page<Session>>;
  private readonly shared = new LRUCache<string, Session[]>({ max: 1000 });

  constructor(maxSessions = 20_000) {
    this.pages = new LRUCache({
      maxSize: maxSessions,
      sizeCalculation: (page) => page.items.length + 1,
      dispose: (_page, key) => {
        const owner = (JSON.parse(key) as [string])[0];
        const keys = this.owners.get(owner);
        keys?.delete(key);
        if (keys?.size === 0) this.owners.delete(owner);
      },
    });
  }

  page(owner: string, options?: PageOptions): Page<Session> | undefined {
    return this.pages.get(pageKey(owner, options));
  }

  keepPage(owner: string, options: PageOptions | undefined, page: Page<Session>): void {
    const key = pageKey(owner, options);
    this.pages.set(key, page);
    if (!this.pages.has(key)) return; // larger than the whole cache
    const keys = this.owners.get(owner) ?? new Set<string>();
    keys.add(key);
    this.owners.set(owner, keys);
  }

  sharedWith(grantees: readonly string[]): Session[] | undefined {
    return this.shared.get(JSON.stringify(grantees));
  }

  keepSharedWith(grantees: readonly string[], sessions: Session[]): void {
    this.shared.set(JSON.stringify(grantees), sessions);
  }

  /** A write to one of `owner`'s sessions (undefined: an owner not known here, so every owner's pages go). */
  changed(owner: string | undefined): void {
    this.shared.clear();
    if (owner === undefined) {
      this.pages.clear();
      return;
    }
    for (const key of [...(this.owners.get(owner) ?? [])]) this.pages.delete(key);
  }
}
