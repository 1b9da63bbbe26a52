import {
  BatchGetImageCommand,
  type ECRClient,
  GetDownloadUrlForLayerCommand,
  paginateDescribeImages,
  paginateDescribeRepositories,
  type Repository,
} from '@aws-sdk/client-ecr';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { LabelledImage } from '../../domain/images';
import type { ImageSource } from '../../ports/image-source';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
];

interface Manifest {
  mediaType?: string;
  config?: { digest: string };
  manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
}

/** The part of an image's config blob (the OCI image configuration) discovery reads. */
interface ImageConfig {
  config?: { Labels?: Record<string, string> | null };
}

/** Reads an image's config blob: by default through a pre-signed layer URL, as `docker pull` does. */
export type ConfigBlobReader = (repositoryName: string, digest: string) => Promise<ImageConfig>;

export interface EcrImagesOptions {
  /** The repositories to look in (the stack's); an empty list looks in none. */
  repositories: readonly string[];
  /** Platform of the sessions, for multi-platform images. */
  architecture?: 'amd64' | 'arm64';
  configBlob?: ConfigBlobReader;
}

/**
 * Labelled images in the stack's ECR repositories: DescribeImages for the tags, BatchGetImage for
 * the manifest, and the config blob for the labels. A digest's labels never change, so each is
 * read once (cached by digest); a refresh costs one DescribeImages per repository.
 */
export class EcrImages implements ImageSource {
  readonly name = 'ecr';
  private readonly labelsByDigest = new LRUCache<string, Record<string, string>>({ max: 2000 });
  private readonly limit = pLimit(4);
  private readonly configBlob: ConfigBlobReader;

  constructor(
    private readonly ecr: ECRClient,
    private readonly options: EcrImagesOptions,
  ) {
    this.configBlob = options.configBlob ?? ((repo, digest) => this.downloadConfig(repo, digest));
  }

  async list(): Promise<LabelledImage[]> {
    if (!this.options.repositories.length) return [];
    const repositories: Repository[] = [];
    for await (const page of paginateDescribeRepositories(
      { client: this.ecr },
      { repositoryNames: [...this.options.repositories] },
    ))
      repositories.push(...(page.repositories ?? []));
    const found = await Promise.all(repositories.map((repo) => this.imagesOf(repo)));
    return found.flat();
  }

  private async imagesOf(repo: Repository): Promise<LabelledImage[]> {
    const name = repo.repositoryName!;
    const images: LabelledImage[] = [];
    for await (const page of paginateDescribeImages(
      { client: this.ecr },
      { repositoryName: name, filter: { tagStatus: 'TAGGED' } },
    )) {
      for (const detail of page.imageDetails ?? []) {
        if (!detail.imageDigest || !detail.imageTags?.length) continue;
        const digest = detail.imageDigest;
        const labels = await this.limit(() => this.labelsOf(name, digest));
        for (const tag of detail.imageTags)
          images.push({
            image: `${repo.repositoryUri}:${tag}`,
            labels,
            ...(detail.imagePushedAt ? { created: detail.imagePushedAt.getTime() } : {}),
          });
      }
    }
    return images;
  }

  private async labelsOf(repositoryName: string, digest: string): Promise<Record<string, string>> {
    const cached = this.labelsByDigest.get(digest);
    if (cached) return cached;
    let manifest = await this.manifest(repositoryName, digest);
    if (manifest.manifests) {
      // A multi-platform index: the sessions' platform's image.
      const arch = this.options.architecture ?? 'amd64';
      const pick =
        manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch) ??
        manifest.manifests[0];
      manifest = pick ? await this.manifest(repositoryName, pick.digest) : {};
    }
    const labels = manifest.config
      ? ((await this.configBlob(repositoryName, manifest.config.digest)).config?.Labels ?? {})
      : {};
    this.labelsByDigest.set(digest, labels);
    return labels;
  }

  private async manifest(repositoryName: string, digest: string): Promise<Manifest> {
    const answer = await this.ecr.send(
      new BatchGetImageCommand({
        repositoryName,
        imageIds: [{ imageDigest: digest }],
        acceptedMediaTypes: MANIFEST_TYPES,
      }),
    );
    const text = answer.images?.[0]?.imageManifest;
    return text ? (JSON.parse(text) as Manifest) : {};
  }

  private async downloadConfig(repositoryName: string, digest: string): Promise<ImageConfig> {
    const { downloadUrl } = await this.ecr.send(
      new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: digest }),
    );
    if (!downloadUrl) throw new Error(`ECR gave no download URL for ${repositoryName}@${digest}`);
    const res = await fetch(downloadUrl, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`cannot read the config of ${repositoryName}@${digest}: HTTP ${res.status}`);
    return (await res.json()) as ImageConfig;
  }
}
