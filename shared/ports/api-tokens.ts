import type { ApiTokenRecord } from '../domain/api-tokens';

/** Where personal API tokens are kept: by their hash, listed per user. */
export interface ApiTokenStore {
  put(record: ApiTokenRecord): Promise<void>;
  /** The token whose SHA-256 is `hash`, expired or not (the caller judges). */
  byHash(hash: string): Promise<ApiTokenRecord | undefined>;
  /** A user's tokens, newest first (expired ones until the store lets them go). */
  list(user: string): Promise<ApiTokenRecord[]>;
  /** Removes the user's token with the public id `id`; false when they have none by that id. */
  remove(user: string, id: string): Promise<boolean>;
}
