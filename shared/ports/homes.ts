import type { Home, HomeInfo } from '../domain/homes';

/** Users' homes: a folder per user on one machine, an EFS access point per user on AWS. */
export interface Homes {
  /** The owner's home, made on first use; idempotent and race-free (concurrent first launches make one). */
  ensure(owner: string): Promise<Home>;
  /** Every home there is, with its owner (for admins). */
  list(): Promise<HomeInfo[]>;
  /**
   * The uid and gid the owner's sessions run as when their app has no home, where sessions get
   * one of their own (a root server on one machine); undefined where they do not.
   */
  runAs?(owner: string): Promise<{ uid: number; gid: number } | undefined>;
}
