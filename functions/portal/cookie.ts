import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { DomainError } from '../../shared/domain/errors';
import { USER_NAME, type Principal } from '../../shared/domain/principal';
import type { SignOuts } from '../../shared/ports/sign-outs';
import type { Authenticate } from '../api/auth/authenticators';

/** The portal's sign-in cookie: HttpOnly, SameSite=Lax, Secure over https; never a token in a URL or in storage. */
export const PORTAL_COOKIE = 'sessionplane_portal';
/** The wslink launcher's endpoints, as trame and ParaViewWeb clients POST to them. */
const LAUNCHER_PATHS = new Set(['/paraview', '/paraview/', '/launcher', '/launcher/']);

/**
 * A launcher POST that a page of this very site sent: the browser says so (Sec-Fetch-Site
 * `same-origin`), or its Origin is the request's own. A page of another site can send neither.
 */
export function launchFromThisSite(c: Context): boolean {
  if (c.req.method !== 'POST' || !LAUNCHER_PATHS.has(c.req.path)) return false;
  const site = c.req.header('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = c.req.header('origin');
  return !!origin && origin === new URL(c.req.url).origin;
}

/** The header (or form field) that carries a signed-in page's CSRF token on every request that changes state. */
const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/**
 * Signed portal sessions: `v1.<payload>.<HMAC-SHA256>`, the payload the principal and an expiry,
 * signed with a key of its own derived from the server's token key. The CSRF token is a second
 * HMAC of the cookie, so it is bound to one sign-in and useless without the cookie.
 */
export class PortalSessions {
  private readonly key: Buffer;
  private readonly sealKey: Buffer;

  constructor(
    tokenKey: Buffer,
    private readonly options: {
      maxAgeSeconds: number;
      secure: boolean;
      now?: () => number;
      signOuts?: SignOuts | undefined;
    },
  ) {
    this.key = createHmac('sha256', tokenKey).update('sessionplane portal cookie v1').digest();
    this.sealKey = createHmac('sha256', tokenKey).update('sessionplane portal token v1').digest();
  }

  /** AES-256-GCM: a bearer token the cookie carries is unreadable without the server's key. */
  private encrypt(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private decrypt(sealed: string): string | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * The cookie value for a signed-in principal; with the bearer token the portal calls a remote
   * API with (on AWS, the ID token of the sign-in), encrypted, and no longer valid than it is.
   */
  issue(principal: Principal, token?: { value: string; expiresAt: number }): string {
    const maxAge = Math.floor(this.now() / 1000) + this.options.maxAgeSeconds;
    const e = token ? Math.min(maxAge, Math.floor(token.expiresAt / 1000)) : maxAge;
    const g = principal.groups?.length ? { g: principal.groups } : {};
    // n: this sign-in's own id, which a sign-out records so the cookie cannot be replayed.
    const n = randomBytes(12).toString('base64url');
    const payload = b64(
      JSON.stringify({
        u: principal.user,
        a: principal.admin,
        ...g,
        e,
        n,
        ...(token ? { t: this.encrypt(token.value) } : {}),
      }),
    );
    return `v1.${payload}.${this.sign(`v1.${payload}`)}`;
  }

  /** The bearer token a cookie carries (read() must have accepted it). */
  tokenOf(value: string): string | undefined {
    try {
      const { t } = JSON.parse(Buffer.from(value.split('.')[1] ?? '', 'base64url').toString('utf8')) as { t?: unknown };
      return typeof t === 'string' ? this.decrypt(t) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The principal a cookie value proves, if it is ours, intact and unexpired. */
  read(value: string | undefined): Principal | undefined {
    const parts = value?.split('.');
    if (parts?.length !== 3 || parts[0] !== 'v1') return undefined;
    const expected = Buffer.from(this.sign(`v1.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const { u, a, g, e } = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as {
        u: unknown;
        a: unknown;
        g: unknown;
        e: unknown;
      };
      if (typeof u !== 'string' || !USER_NAME.test(u) || typeof e !== 'number' || e * 1000 <= this.now())
        return undefined;
      const groups = Array.isArray(g) ? g.filter((x): x is string => typeof x === 'string') : undefined;
      return { user: u, admin: a === true, ...(groups?.length ? { groups } : {}) };
    } catch {
      return undefined;
    }
  }

  /** The principal a cookie proves, unless its sign-in was ended (a replayed cookie after sign-out: #33). */
  async principalOf(value: string | undefined): Promise<Principal | undefined> {
    const principal = this.read(value);
    if (!principal || !this.options.signOuts) return principal;
    const id = this.idOf(value!);
    return id && (await this.options.signOuts.isRevoked(id)) ? undefined : principal;
  }

  /** Ends the sign-in a cookie carries, for good: the same cookie is refused from now on. */
  async signOut(value: string): Promise<void> {
    const id = this.idOf(value);
    if (!id || !this.options.signOuts || !this.read(value)) return;
    const { e } = JSON.parse(Buffer.from(value.split('.')[1]!, 'base64url').toString('utf8')) as { e: number };
    await this.options.signOuts.revoke(id, e * 1000);
  }

  private idOf(value: string): string | undefined {
    try {
      const { n } = JSON.parse(Buffer.from(value.split('.')[1] ?? '', 'base64url').toString('utf8')) as { n?: unknown };
      return typeof n === 'string' ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** Any small JSON value, signed and dated (an OIDC sign-in's verifier and state, between its two legs). */
  seal(value: unknown, ttlSeconds: number): string {
    const payload = b64(JSON.stringify({ v: value, e: Math.floor(this.now() / 1000) + ttlSeconds }));
    return `s1.${payload}.${this.sign(`s1.${payload}`)}`;
  }

  unseal<T>(sealed: string | undefined): T | undefined {
    const parts = sealed?.split('.');
    if (parts?.length !== 3 || parts[0] !== 's1') return undefined;
    const expected = Buffer.from(this.sign(`s1.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const { v, e } = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { v: T; e: number };
    return e * 1000 > this.now() ? v : undefined;
  }

  csrfOf(value: string): string {
    return this.sign(`csrf:${value}`);
  }

  /** Whether `token` is the CSRF token of the cookie `value` (constant time). */
  csrfMatches(value: string, token: string | undefined): boolean {
    if (!token) return false;
    const expected = Buffer.from(this.csrfOf(value));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  setCookie(value: string): string {
    return `${PORTAL_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${this.options.maxAgeSeconds}${this.options.secure ? '; Secure' : ''}`;
  }

  clearCookie(): string {
    return `${PORTAL_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${this.options.secure ? '; Secure' : ''}`;
  }

  /**
   * The API's authenticator for the portal's own requests: the cookie's principal, and on any
   * request that changes state, its CSRF token in the `x-csrf-token` header, or the request is
   * refused (403): a page of another site can make the browser send the cookie, never the token.
   * The wslink launcher's POST is the one exception: an app's unmodified web client (the ParaViewWeb
   * Visualizer, a trame page) sends no header of ours, so there a same-origin request will do (#35).
   */
  authenticator(): Authenticate {
    return async (c: Context) => {
      const value = getCookie(c, PORTAL_COOKIE);
      const principal = await this.principalOf(value);
      if (!principal) return undefined;
      if (!SAFE.has(c.req.method) && !this.csrfMatches(value!, c.req.header(CSRF_HEADER)) && !launchFromThisSite(c))
        throw new DomainError(
          'auth.forbidden',
          'A request signed in by the portal cookie needs its CSRF token (x-csrf-token).',
        );
      return principal;
    };
  }
}
