/** Who is calling: the user name sessions are owned by, and whether they may act on all sessions. */
export interface Principal {
  user: string;
  admin: boolean;
}
