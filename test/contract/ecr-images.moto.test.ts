import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcrImages } from '../../shared/adapters/images/ecr-images';
import { appsFromImages } from '../../shared/config/image-labels';
import { motoDescribe, startMoto } from '../support/moto';
import { imageSourceContract } from './image-source.contract';

/*
 * ECR discovery against moto's ECR: repositories, DescribeImages and BatchGetImage as moto answers
 * them. moto 5.2.1 does not implement GetDownloadUrlForLayer, so the config blob comes from a
 * reader that returns a real-shaped image configuration (as `docker inspect` shows one's Config);
 * the default reader's request and download are checked below with the SDK mocked at that one call
 * and the blob served over a real socket.
 */

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** An OCI image configuration as registries store it (trimmed to the fields discovery reads and a few beside them). */
function imageConfig(labels: Record<string, string>) {
  return JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
      Cmd: ['node', 'app.mjs'],
      WorkingDir: '/app',
      Labels: labels,
    },
    rootfs: { type: 'layers', diff_ids: [sha('layer')] },
  });
}

function manifestOf(config: string) {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 100, digest: sha('layer') }],
  });
}

const suite = motoDescribe();

suite('ECR discovery against moto (repositories, images, manifests)', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let ecr: ECRClient;
  const blobs = new Map<string, string>();
  const reads: string[] = [];
  const configBlob = async (repo: string, digest: string) => {
    reads.push(`${repo}@${digest}`);
    return JSON.parse(blobs.get(digest)!);
  };
  const push = async (repositoryName: string, tag: string, labels: Record<string, string>) => {
    const config = imageConfig(labels);
    blobs.set(sha(config), config);
    // The digest is the manifest's, as in ECR (moto would hash only the layer digests, which two images may share).
    const manifest = manifestOf(config);
    await ecr.send(
      new PutImageCommand({ repositoryName, imageTag: tag, imageManifest: manifest, imageDigest: sha(manifest) }),
    );
  };

  beforeAll(async () => {
    moto = await startMoto();
    ecr = new ECRClient({
      region: 'eu-west-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    for (const name of ['sessionplane/viz', 'sessionplane/plain', 'elsewhere/other'])
      await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    await push('sessionplane/viz', '1', {
      'eu.simphony-project.docker.ui_name': 'Viz',
      'eu.simphony-project.docker.icon_128': PNG,
    });
    await new Promise((r) => setTimeout(r, 1100)); // moto's imagePushedAt has whole seconds; tag 2 is the newer
    await push('sessionplane/viz', '2', {
      'eu.simphony-project.docker.ui_name': 'Viz 2',
      'org.sessionplane.resources': '{"cpu": 1, "memory": "2Gi"}',
      'eu.simphony-project.docker.env.x11-width': '',
    });
    await push('sessionplane/plain', 'latest', {});
    await push('elsewhere/other', '1', { 'org.sessionplane.description': 'not a repository of ours' });
  }, 60_000);
  afterAll(async () => {
    ecr?.destroy();
    await moto?.close();
  });

  it("lists the configured repositories' tagged images with their labels, read from each image's config", async () => {
    const source = new EcrImages(ecr, { repositories: ['sessionplane/viz', 'sessionplane/plain'], configBlob });
    const images = await source.list();
    const byRef = new Map(images.map((i) => [i.image.replace(/^[^/]+\//, ''), i.labels]));
    expect([...byRef.keys()].sort()).toEqual(['sessionplane/plain:latest', 'sessionplane/viz:1', 'sessionplane/viz:2']);
    expect(byRef.get('sessionplane/viz:2')).toMatchObject({ 'eu.simphony-project.docker.ui_name': 'Viz 2' });
    expect(images[0]!.image).toMatch(/^\d{12}\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/sessionplane\//);

    // The catalog they make: labelled images of allowed repositories, newest tag first.
    const registry = images[0]!.image.split('/')[0];
    const { apps, problems } = appsFromImages(images, [`${registry}/sessionplane/`]);
    expect(problems).toEqual([]);
    expect([...apps.keys()]).toEqual(['viz']);
    expect(apps.get('viz')).toMatchObject({
      title: 'Viz 2',
      resources: { cpu: 1, memory: 2048 },
      params: { X11_WIDTH: { type: 'string' } },
    });
  });

  it("reads each digest's config once: a second look costs only DescribeImages", async () => {
    const source = new EcrImages(ecr, { repositories: ['sessionplane/viz'], configBlob });
    reads.length = 0;
    await source.list();
    expect(reads).toHaveLength(2);
    await source.list();
    expect(reads).toHaveLength(2);
  });

  it('looks in no repository when none is configured', async () => {
    expect(await new EcrImages(ecr, { repositories: [], configBlob }).list()).toEqual([]);
  });

  // The port's own contract, as the engine's images run it (engine-images.test.ts), on ECR.
  const contractRepos = new Set<string>();
  imageSourceContract('EcrImages (AWS)', () => ({
    source: () => new EcrImages(ecr, { repositories: [...contractRepos], configBlob }),
    publish: async (name, tag, labels) => {
      const repositoryName = `sessionplane/${name}`;
      if (!contractRepos.has(repositoryName)) await ecr.send(new CreateRepositoryCommand({ repositoryName }));
      contractRepos.add(repositoryName);
      await push(repositoryName, tag, labels);
      const { registryId } = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] })))
        .repositories![0]!;
      return `${registryId}.dkr.ecr.eu-west-1.amazonaws.com/${repositoryName}:${tag}`;
    },
  }));
});

describe("ECR discovery's config download (GetDownloadUrlForLayer, mocked: moto lacks it)", () => {
  let server: Server;
  let url: string;
  const config = imageConfig({ 'org.sessionplane.description': 'from the blob' });
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/blob?sig=1') return res.writeHead(403).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/blob?sig=1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('asks ECR for the config digest and downloads it from the pre-signed URL', async () => {
    const client = new ECRClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock.on(GetDownloadUrlForLayerCommand).resolves({ downloadUrl: url, layerDigest: sha(config) });
    const reader = new EcrImages(client, { repositories: ['r'] }) as unknown as {
      downloadConfig(repo: string, digest: string): Promise<unknown>;
    };
    await expect(reader.downloadConfig('sessionplane/viz', sha(config))).resolves.toMatchObject({
      config: { Labels: { 'org.sessionplane.description': 'from the blob' } },
    });
    expect(mock.commandCalls(GetDownloadUrlForLayerCommand)[0]!.args[0].input).toEqual({
      repositoryName: 'sessionplane/viz',
      layerDigest: sha(config),
    });
    mock.restore();
  });
});
