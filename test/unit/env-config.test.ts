import { describe, expect, it } from 'vitest';
import { ENV, loadLocalConfig } from '../../shared/config';
import { ConfigError } from '../../shared/domain';

describe('local env config', () => {
  it('has working defaults: 127.0.0.1:8080, the demo apps, ports 9001-9500', () => {
    const config = loadLocalConfig({ PATH: '/bin', AWS_SECRET_ACCESS_KEY: 'x' });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', appsFile: 'examples/apps/apps.yml', portRange: [9001, 9500], stopGraceMs: 5000 });
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
    expect(config).toMatchObject({ port: 0, host: '0.0.0.0', portRange: [20000, 20010], stopGraceMs: 2000, trameUseHost: undefined, trameUrlPrefix: '/viz' });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadLocalConfig({ PORT: 'eighty', SESSIONPLANE_PORT_RANGE: '9500-9001', SESSIONPLANE_STOP_GRACE: 'soon', TRAME_URL_PREFIX: 'viz' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    for (const name of [ENV.port, ENV.portRange, ENV.stopGrace, ENV.trameUrlPrefix]) expect(text).toContain(`${name}:`);
  });
});
