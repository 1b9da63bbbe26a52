import { describe, expect, it } from 'vitest';
import { parseApps } from '../../shared/config/apps';
import { checkParams, checkResources } from '../../shared/domain/launch-request';

const app = parseApps({
  a: {
    app: 'x',
    resources: { cpu: 1, memory: 512 },
    limits: { cpu: 2 },
    params: {
      MODE: { enum: ['fast', 'slow'], default: 'fast' },
      N: { type: 'integer', min: 1, max: 8 },
      F: 'boolean',
      X: 'number',
      NAME: { pattern: '[a-z]+', maxLength: 8 },
    },
  },
}).get('a')!;

describe('checkParams', () => {
  it('accepts declared params of the right type and fills defaults', () => {
    expect(checkParams(app, { N: 3, F: true, X: '2.5', NAME: 'abc' })).toEqual({
      values: { MODE: 'fast', N: '3', F: 'true', X: '2.5', NAME: 'abc' },
      problems: [],
    });
  });

  it.each<[Record<string, unknown>, string]>([
    [{ OTHER: 'x' }, 'params.OTHER: not a parameter of app a'],
    [{ MODE: 'medium' }, 'params.MODE: must be one of fast, slow'],
    [{ N: 2.5 }, 'params.N: expected an integer'],
    [{ N: 0 }, 'params.N: must be at least 1'],
    [{ N: 9 }, 'params.N: must be at most 8'],
    [{ N: '' }, 'params.N: expected an integer'],
    [{ F: 'yes' }, 'params.F: expected true or false'],
    [{ X: 'NaN' }, 'params.X: expected a number'],
    [{ NAME: 'ABC' }, 'params.NAME: must match [a-z]+'],
    [{ NAME: 'abc\ndef' }, 'params.NAME: control characters are not allowed'],
    [{ NAME: 'abcdefghi' }, 'params.NAME: longer than 8 characters'],
    [{ NAME: { a: 1 } }, 'params.NAME: expected a string'],
    [{ __proto__: 'x', constructor: 'y' }, 'params.constructor: not a parameter of app a'],
  ])('refuses %o', (input, problem) => {
    expect(checkParams(app, input).problems).toContain(problem);
  });
});

describe('checkResources', () => {
  it("uses the app's resources by default and allows up to its limits", () => {
    expect(checkResources(app, undefined)).toEqual({ resources: { cpu: 1, memory: 512, gpus: 0 }, problems: [] });
    expect(checkResources(app, { cpu: 2 }).problems).toEqual([]);
    expect(checkResources(app, { cpu: 3, memory: 1024 }).problems).toEqual([
      'resources.cpu: at most 2 for app a',
      'resources.memory: at most 512 for app a',
    ]);
  });
});
