import { describe, expect, it } from 'vitest';
import { connectUrl, sessionUrl, type UrlSettings } from '../../shared/domain/urls';

const id = '0123456789abcdef0123456789abcdef';

// The trame image's run.sh rules (Kitware/trame docker/scripts/run.sh), then USE_HOST → the router.
describe('sessionURL', () => {
  it.each<[string, UrlSettings, string]>([
    [
      'the default template, the router host',
      { publicUrl: 'http://127.0.0.1:8080' },
      `ws://127.0.0.1:8080/proxy?sessionId=${id}&path=ws`,
    ],
    [
      'wss behind https',
      { publicUrl: 'https://viz.example.org' },
      `wss://viz.example.org/proxy?sessionId=${id}&path=ws`,
    ],
    [
      'TRAME_USE_HOST without :// replaces USE_HOST',
      { publicUrl: 'http://127.0.0.1:8080', useHost: 'viz.example.org:9443' },
      `ws://viz.example.org:9443/proxy?sessionId=${id}&path=ws`,
    ],
    [
      'TRAME_USE_HOST without :// behind https',
      { publicUrl: 'https://router.internal', useHost: 'viz.example.org' },
      `wss://viz.example.org/proxy?sessionId=${id}&path=ws`,
    ],
    [
      'TRAME_USE_HOST with :// replaces ws://USE_HOST',
      { publicUrl: 'http://127.0.0.1:8080', useHost: 'wss://viz.example.org/trame' },
      `wss://viz.example.org/trame/proxy?sessionId=${id}&path=ws`,
    ],
    [
      'TRAME_USE_HOST with :// keeps its own scheme',
      { publicUrl: 'https://x.org', useHost: 'ws://plain.example.org' },
      `ws://plain.example.org/proxy?sessionId=${id}&path=ws`,
    ],
    [
      'TRAME_URL_PREFIX goes before /proxy',
      { publicUrl: 'http://127.0.0.1:8080', urlPrefix: '/viz' },
      `ws://127.0.0.1:8080/viz/proxy?sessionId=${id}&path=ws`,
    ],
    [
      'TRAME_USE_HOST wins over TRAME_URL_PREFIX',
      { publicUrl: 'http://h:1', useHost: 'u.org', urlPrefix: '/viz' },
      `ws://u.org/proxy?sessionId=${id}&path=ws`,
    ],
  ])('%s', (_case, settings, expected) => {
    expect(sessionUrl(settings, id)).toBe(expected);
  });

  it("adds the owner's token as a query parameter", () => {
    expect(sessionUrl({ publicUrl: 'http://h:1' }, id, 'abc')).toBe(`ws://h:1/proxy?sessionId=${id}&path=ws&token=abc`);
  });

  it('stays valid when lower-cased whole, as the trame client does', () => {
    const url = sessionUrl({ publicUrl: 'http://h:1' }, id, 'abc');
    expect(url.toLowerCase()).toBe(url.replace('sessionId', 'sessionid'));
  });
});

describe('connectURL', () => {
  it.each<[UrlSettings, string]>([
    [{ publicUrl: 'http://127.0.0.1:8080' }, `http://127.0.0.1:8080/s/${id}/`],
    [{ publicUrl: 'https://viz.example.org/' }, `https://viz.example.org/s/${id}/`],
    [{ publicUrl: 'https://viz.example.org', urlPrefix: '/viz/' }, `https://viz.example.org/viz/s/${id}/`],
  ])('%o → %s', (settings, expected) => {
    expect(connectUrl(settings, id)).toBe(expected);
  });

  it('carries the token for the owner', () => {
    expect(connectUrl({ publicUrl: 'http://h:1' }, id, 'abc')).toBe(`http://h:1/s/${id}/?token=abc`);
  });
});
