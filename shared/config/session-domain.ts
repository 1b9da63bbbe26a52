import * as z from 'zod';

/**
 * The domain each session gets a host under (`<id>.<domain>`), or `none` for path mode. A bare host
 * name: letters, digits, dots and dashes, no scheme, no port.
 */
export const SessionDomainSchema = z
  .string()
  .regex(
    /^(none|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/i,
    'a host name such as sessions.example.org (no scheme, no port), or "none"',
  )
  .transform((s) => s.toLowerCase());

/** `none` (path mode) as undefined. */
export const sessionDomainOf = (value: string | undefined): string | undefined =>
  value === 'none' ? undefined : value;
