import { hashToken, newSessionId } from '../../shared/domain/ids';
import type { Session } from '../../shared/domain/session';

/** A fresh PENDING session record, with overrides. */
export function makeSession(overrides: Partial<Session> = {}): Session {
  const now = overrides.createdAt ?? Date.now();
  return {
    id: newSessionId(),
    owner: 'alice',
    app: 'echo',
    name: 'test',
    status: 'PENDING',
    resources: { cpu: 1, memory: 512, gpus: 0 },
    params: {},
    tokenHash: hashToken('token'),
    createdAt: now,
    launchDeadline: now + 25_000,
    expiresAt: now + 3_600_000,
    version: 1,
    ...overrides,
  };
}
