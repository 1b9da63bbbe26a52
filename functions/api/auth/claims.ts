import { USER_NAME } from '../../../shared/domain/principal';
import type { Principal } from '../../../shared/domain/principal';

export interface ClaimsMapping {
  /** The claim that names the user, e.g. `sub`, `email`, `cognito:username`. */
  userClaim: string;
  /** The claim that lists the user's groups, e.g. `cognito:groups`. */
  groupsClaim: string;
  /** Members of this group are admins. */
  adminGroup: string;
}

/**
 * The groups in a claim: a JSON array, or the string API Gateway makes of one ("[a b]"), or a
 * comma- or space-separated string.
 */
function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

/** The caller from verified claims; undefined when the user claim is missing or unusable. */
export function principalFromClaims(claims: Record<string, unknown>, mapping: ClaimsMapping): Principal | undefined {
  const user = claims[mapping.userClaim];
  if (typeof user !== 'string' || !USER_NAME.test(user)) return undefined;
  const groups = groupsOf(claims[mapping.groupsClaim]);
  return { user, admin: groups.includes(mapping.adminGroup), groups };
}
