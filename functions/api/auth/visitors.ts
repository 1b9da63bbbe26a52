import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Principal } from '../../../shared/domain/principal';

/** The cookie a visitor is known by: `<24 hex>.<HMAC>`, HttpOnly, for as long as a session of theirs may last. */
const VISITOR_COOKIE = 'sessionplane_visitor';
const MAX_AGE_SECONDS = 24 * 3600;
/** The launcher's paths: the only ones a visitor may call. */
const LAUNCHER = /^\/(paraview|launcher)(\/|$)/;
export const VISITOR_PREFIX = 'visitor-';

/**
 * Visitors: callers of the launcher with no credential, where an app is open to anyone (the trame image's model).
 * Each is a principal of their own (`visitor-<24 hex>`), kept by a signed cookie so that they find their sessions
 * again; nothing but the launcher knows them, and only apps with `open` let them launch (the launcher checks).
 */
export function visitors(tokenKey: Buffer, publicUrl: string): (c: Context) => Principal | undefined {
  const key = createHmac('sha256', tokenKey).update('sessionplane:visitors').digest();
  const mac = (id: string) => createHmac('sha256', key).update(id).digest().subarray(0, 16);
  const secure = publicUrl.startsWith('https:');
  const known = (value: string | undefined): string | undefined => {
    const m = value ? /^([0-9a-f]{24})\.([A-Za-z0-9_-]{22})$/.exec(value) : null;
    if (!m) return undefined;
    const given = Buffer.from(m[2]!, 'base64url');
    return given.length === 16 && timingSafeEqual(given, mac(m[1]!)) ? m[1] : undefined;
  };
  return (c) => {
    if (!LAUNCHER.test(c.req.path)) return undefined;
    let id = known(getCookie(c, VISITOR_COOKIE));
    if (!id) {
      id = randomBytes(12).toString('hex');
      setCookie(c, VISITOR_COOKIE, `${id}.${mac(id).toString('base64url')}`, {
        httpOnly: true,
        sameSite: 'Lax',
        secure,
        path: '/',
        maxAge: MAX_AGE_SECONDS,
      });
    }
    return { user: `${VISITOR_PREFIX}${id}`, admin: false, visitor: true };
  };
}
