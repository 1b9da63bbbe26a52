import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config/env-names';
import { loadLocalConfig } from '../../shared/config/env';
import { loadRouterConfig } from '../../shared/config/env';
import { ConfigError } from '../../shared/domain/errors';

describe('local env config', () => {
  it('has working defaults: 127.0.0.1:8080, the demo apps, ports 9001-9500', () => {
    const config = loadLocalConfig({ PATH: '/bin', AWS_SECRET_ACCESS_KEY: 'x' });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      appsFile: 'examples/apps/apps.yml',
      portRange: [9001, 9500],
      stopGraceMs: 5000,
    });
    expect(config.inheritedEnv).toEqual({ PATH: '/bin' });
  });

  it('reads overrides, treating empty values as unset', () => {
    const config = loadLocalConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      SESSIONPLANE_PORT_RANGE: '20000-20010',
      SESSIONPLANE_STOP_GRACE: '2s',
      TRAME_USE_HOST: '',
      TRAME_URL_PREFIX: '/viz',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      portRange: [20000, 20010],
      stopGraceMs: 2000,
      trameUseHost: undefined,
      trameUrlPrefix: '/viz',
    });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadLocalConfig({
        PORT: 'eighty',
        SESSIONPLANE_PORT_RANGE: '9500-9001',
        SESSIONPLANE_STOP_GRACE: 'soon',
        TRAME_URL_PREFIX: 'viz',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    for (const name of [ENV.port, ENV.portRange, ENV.stopGrace, ENV.trameUrlPrefix]) expect(text).toContain(`${name}:`);
  });
});

describe('router service env config: the portal', () => {
  const base = {
    SESSIONPLANE_APPS: 'apps.yml',
    SESSIONPLANE_TABLE: 'sessions',
    AWS_REGION: 'eu-west-1',
    SESSIONPLANE_PUBLIC_URL: 'https://viz.example.org',
  };
  const portal = {
    SESSIONPLANE_JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/pool',
    SESSIONPLANE_API_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com',
    SESSIONPLANE_PORTAL_KEY: 'p'.repeat(64),
    SESSIONPLANE_OIDC_CLIENT_ID: 'portal-client',
  };

  it('serves no portal unless configured, and one with its API, key and client when it is', () => {
    expect(loadRouterConfig(base).portal).toBeUndefined();
    const config = loadRouterConfig({ ...base, ...portal });
    expect(config.portal).toEqual({
      apiUrl: portal.SESSIONPLANE_API_URL,
      key: Buffer.from(portal.SESSIONPLANE_PORTAL_KEY),
    });
    expect(config.oidcClient).toEqual({ clientId: 'portal-client', clientSecret: undefined });
  });

  it('refuses a half-configured portal, naming what is missing', () => {
    const { SESSIONPLANE_OIDC_CLIENT_ID: _, SESSIONPLANE_JWT_ISSUER: __, ...half } = portal;
    expect(() => loadRouterConfig({ ...base, ...half })).toThrow(ConfigError);
    try {
      loadRouterConfig({ ...base, ...half });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'SESSIONPLANE_OIDC_CLIENT_ID is not set',
        'SESSIONPLANE_JWT_ISSUER is not set',
      ]);
    }
    expect(() => loadRouterConfig({ ...base, ...portal, SESSIONPLANE_PORTAL_KEY: 'short' })).toThrow(
      /at least 32 characters/,
    );
  });
});
