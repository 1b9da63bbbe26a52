/** What a user name may be: it keys records and appears in messages. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

/** Who is calling: the user name sessions are owned by, and whether they may act on all sessions. */
export interface Principal {
  user: string;
  admin: boolean;
  /** The groups it belongs to (the tokens file's `groups`, a JWT's groups claim): what a share to a group matches. */
  groups?: readonly string[] | undefined;
  /** Someone with no account, known by a cookie only: may launch apps open to anyone, and use what they launched. */
  visitor?: true;
}
