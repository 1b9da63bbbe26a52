import { describe, expect, it } from 'vitest';
import { parseRoute } from '../../../functions/router/routes';

const id = '0123456789abcdef0123456789abcdef';
const ID = id.toUpperCase();

describe('parseRoute', () => {
  it.each<[string, unknown]>([
    [
      `/proxy?sessionId=${id}&path=ws`,
      { kind: 'proxy', sessionId: id, upstream: '/ws', scope: '/proxy', token: undefined },
    ],
    [`/proxy?sessionid=${id}&path=ws&token=abc`, { kind: 'proxy', sessionId: id, upstream: '/ws', token: 'abc' }],
    [`/proxy?SESSIONID=${ID}&PATH=ws&TOKEN=abc`, { kind: 'proxy', sessionId: id, upstream: '/ws', token: 'abc' }],
    [`/proxy?sessionId=${id}&path=/a/b`, { kind: 'proxy', upstream: '/a/b' }],
    [`/proxy?sessionId=${id}`, { kind: 'proxy', upstream: '/' }],
    [
      `/api/${id}/rest/of?x=1&token=t`,
      { kind: 'api', sessionId: id, upstream: '/rest/of?x=1', scope: `/api/${id}/`, token: 't' },
    ],
    [`/s/${ID}/`, { kind: 'app', sessionId: id, upstream: '/', scope: `/s/${id}/`, token: undefined }],
    [`/s/${id}/lab/tree?a=1&b=2`, { kind: 'app', upstream: '/lab/tree?a=1&b=2' }],
    [`/s/${id}/..%2f..%2fetc/passwd`, { kind: 'app', upstream: '/..%2f..%2fetc/passwd' }],
    [`/s/${id}?token=t`, { kind: 'add-slash', location: `/s/${id}/?token=t` }],
  ])('%s', (url, expected) => {
    expect(parseRoute(url)).toMatchObject(expected as object);
  });

  it.each([
    '/proxy',
    '/proxy?sessionId=nope&path=ws',
    `/proxy?sessionId=${id}&path=a%0db`,
    '/s/not-an-id/',
    '/api/../x/',
    `/s/${id}x/`,
  ])('refuses %s as bad', (url) => {
    expect(parseRoute(url)).toMatchObject({ kind: 'bad' });
  });

  it.each(['/sessions', '/apps', '/healthz', '/', '/proxyx', '/session/x'])('leaves %s to the API', (url) => {
    expect(parseRoute(url)).toBeUndefined();
  });
});
