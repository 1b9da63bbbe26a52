import { describe } from 'vitest';
import { EngineImages } from '../../shared/adapters/images/engine-images';
import { buildImage, TEST_IMAGE, testEngine } from '../support/container-engine';
import { imageSourceContract } from './image-source.contract';

/* The ImageSource contract on the local container engine (podman here): images built with LABEL lines. */
const engine = await testEngine();

if ('reason' in engine) describe.skip(`EngineImages: ${engine.reason}`, () => {});
else
  imageSourceContract('EngineImages (the local container engine)', () => ({
    source: () => new EngineImages(engine.docker),
    publish: async (name, tag, labels) => {
      const ref = `localhost/sp-contract/${name}:${tag}`;
      const lines = Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`);
      await buildImage(engine.docker, ref, [`FROM ${TEST_IMAGE}`, ...lines].join('\n'));
      return ref;
    },
  }));
