import type Docker from 'dockerode';
import type { LabelledImage } from '../../domain/images';
import type { ImageSource } from '../../ports/image-source';

/**
 * The images of a local container engine (Docker, Podman), one per tag, with their labels. The
 * list answer carries labels on both engines; an image without any is inspected once to be sure.
 */
export class EngineImages implements ImageSource {
  readonly name = 'engine';

  constructor(private readonly docker: Docker) {}

  async list(): Promise<LabelledImage[]> {
    const images = await this.docker.listImages();
    const found: LabelledImage[] = [];
    for (const info of images) {
      const tags = (info.RepoTags ?? []).filter((t) => t && t !== '<none>:<none>');
      if (!tags.length) continue;
      const labels = info.Labels ?? (await this.docker.getImage(info.Id).inspect()).Config.Labels ?? {};
      for (const tag of tags) found.push({ image: tag, labels, created: info.Created * 1000 });
    }
    return found;
  }
}
