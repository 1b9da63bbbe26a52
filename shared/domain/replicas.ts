/**
 * skaha's replicas: the canfar client sends `REPLICA_ID` and `REPLICA_COUNT` on every create, whatever the kind (its
 * replicas are N creates named `<name>-<n>`), so every app accepts them unless it declares them itself: whole numbers,
 * 1 ≤ REPLICA_ID ≤ REPLICA_COUNT ≤ 512 (the client's own bound), both or neither.
 */
export const REPLICA_PARAMS = ['REPLICA_ID', 'REPLICA_COUNT'] as const;
export const MAX_REPLICAS = 512;

export function checkReplicaParams(
  /** The app's own params: a pair it declares is its own, checked as it says. */
  declared: Readonly<Record<string, unknown>>,
  input: Record<string, unknown>,
): { values: Record<string, string>; problems: string[] } {
  const given = REPLICA_PARAMS.filter((k) => Object.hasOwn(input, k) && !Object.hasOwn(declared, k));
  if (!given.length) return { values: {}, problems: [] };
  if (given.length === 1)
    return { values: {}, problems: [`params.${given[0]}: comes with ${REPLICA_PARAMS.find((k) => k !== given[0])}`] };
  const [id, count] = REPLICA_PARAMS.map((k) => String(input[k]));
  if (!/^[1-9]\d{0,2}$/.test(count!) || Number(count) > MAX_REPLICAS)
    return { values: {}, problems: [`params.REPLICA_COUNT: a whole number from 1 to ${MAX_REPLICAS}`] };
  if (!/^[1-9]\d{0,2}$/.test(id!) || Number(id) > Number(count))
    return { values: {}, problems: ['params.REPLICA_ID: a whole number from 1 to REPLICA_COUNT'] };
  return { values: { REPLICA_ID: id!, REPLICA_COUNT: count! }, problems: [] };
}
