import { describe, expect, it } from 'vitest';
import { containerSpec } from '../../../shared/adapters/runtime/container/container-spec';
import { fixtureApp } from '../../support/apps';
import { makeSession } from '../../support/sessions';

/** The create request the container adapter sends (what no engine here can show: GPUs). */
describe('container create request', () => {
  const app = fixtureApp([], {
    image: 'localhost/viz:1',
    command: ['viz', '--port', '${port}', '--host', '${host}'],
    port: 9000,
  });

  it('asks for the GPUs the session has, as device requests (docker run --gpus N), and none otherwise', () => {
    const withGpus = containerSpec({
      session: makeSession({ resources: { cpu: 4, memory: 8192, gpus: 2 } }),
      app,
      secret: 's',
      plane: 'p',
    });
    expect(withGpus.HostConfig!.DeviceRequests).toEqual([{ Driver: '', Count: 2, Capabilities: [['gpu']] }]);
    const without = containerSpec({ session: makeSession(), app, secret: 's', plane: 'p' });
    expect(without.HostConfig!.DeviceRequests).toBeUndefined();
  });

  it("sizes, publishes and hardens it: memory without swap, CPUs, the app's port on 127.0.0.1 only, an init, no new privileges", () => {
    const spec = containerSpec({
      session: makeSession({ resources: { cpu: 0.5, memory: 256, gpus: 0 } }),
      app,
      secret: 's',
      plane: 'p',
    });
    expect(spec.Cmd).toEqual(['viz', '--port', '9000', '--host', '0.0.0.0']);
    expect(spec.HostConfig).toMatchObject({
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PortBindings: { '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Init: true,
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: false,
    });
    expect(spec.HostConfig!.Tmpfs).toBeUndefined();
  });

  it('gives a read-only app a read-only root with a /tmp of its own, and a home app its home as the owner', () => {
    const spec = containerSpec({
      session: makeSession(),
      app: { ...app, readOnlyRootFilesystem: true, home: '/home/user' },
      secret: 's',
      plane: 'p',
      home: {
        home: { owner: 'alice', uid: 200001, gid: 200001, path: '/data/homes/alice-1' },
        mountPath: '/home/user',
      },
    });
    expect(spec.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': expect.stringContaining('rw') },
      Binds: ['/data/homes/alice-1:/home/user:rw'],
    });
    expect(spec.User).toBe('200001:200001');
    expect(spec.Env).toContain('HOME=/home/user');
  });

  it("tells the app where to report it is busy, the server's loopback as the container reaches its host, and its secrets", () => {
    const env = (activityUrl: string) =>
      containerSpec({
        session: makeSession({ id: 'a'.repeat(32) }),
        app: { ...app, secrets: { TOKEN: 'env:SP_TOKEN' } },
        secret: 's',
        plane: 'p',
        activityUrl,
        secretEnv: { SP_TOKEN: 'tok' },
      }).Env!;
    const local = env(`http://127.0.0.1:8080/sessions/${'a'.repeat(32)}/activity`);
    expect(local).toContain(
      `SESSION_ACTIVITY_URL=http://host.containers.internal:8080/sessions/${'a'.repeat(32)}/activity`,
    );
    expect(local).toContain('TOKEN=tok');
    // An address containers reach as it is stays as it is.
    expect(env('https://sessions.example.org/sessions/x/activity')).toContain(
      'SESSION_ACTIVITY_URL=https://sessions.example.org/sessions/x/activity',
    );
  });
});
