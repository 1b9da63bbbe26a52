import { describe, expect, it } from 'vitest';
import { problemOf, STATUS_BY_CODE } from '../../functions/http/problem';
import { ERROR_CODES } from '../../shared/domain/error-codes';

describe('error codes (#12 item 4)', () => {
  it('are one closed set, each with one status, in the problem shape clients switch on', () => {
    expect(Object.keys(STATUS_BY_CODE).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(code).toMatch(/^([a-z]+\.[a-z_]+|internal)$/);
      const p = problemOf(code, 'why');
      expect(p).toMatchObject({
        type: `urn:sessionplane:problem:${code}`,
        status: STATUS_BY_CODE[code],
        code,
        detail: 'why',
      });
      expect(p.title).toBeTruthy();
    }
  });
});
