import { describe, expect, it } from 'vitest';
import { imageAllowed, isImageReference } from '../../shared/domain/images';

const allowed = [
  'ghcr.io/acme/',
  'registry.example.org:5000/viz/paraview',
  'images.canfar.net/',
  // The stack's own repository, any tag: the form infra/config.ts gives.
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sessionplane-apps:',
];

describe('image policy', () => {
  it.each([
    'ghcr.io/acme/viz:1.2',
    'ghcr.io/acme/deep/path/app',
    'registry.example.org:5000/viz/paraview',
    'registry.example.org:5000/viz/paraview:5.13',
    `registry.example.org:5000/viz/paraview@sha256:${'a'.repeat(64)}`,
    'images.canfar.net/skaha/notebook:latest',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sessionplane-apps:v1',
  ])('allows %s', (image) => {
    expect(imageAllowed(image, allowed)).toBe(true);
  });

  it.each([
    ['a sibling organisation', 'ghcr.io/acme-evil/viz:1'],
    ['a longer repository name', 'registry.example.org:5000/viz/paraview-evil'],
    ['another registry', 'docker.io/acme/viz'],
    ["Docker Hub's implicit default", 'acme/viz'],
    ['a path trick', 'ghcr.io/acme/../evil/x'],
    ['upper case', 'ghcr.io/acme/Viz'],
    ['a host lookalike', 'ghcr.io.evil.com/acme/viz'],
    ['whitespace', 'ghcr.io/acme/viz :1'],
    ['an empty string', ''],
    ['a repository that begins alike', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sessionplane-apps-evil:v1'],
    ['its path below', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sessionplane-apps/x:v1'],
  ])('refuses %s', (_case, image) => {
    expect(imageAllowed(image, allowed)).toBe(false);
  });

  it('allows nothing without prefixes', () => {
    expect(imageAllowed('ghcr.io/acme/viz', [])).toBe(false);
    expect(isImageReference('ghcr.io/acme/viz')).toBe(true);
  });
});
