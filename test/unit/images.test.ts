import { describe, expect, it } from 'vitest';
import { imageAllowed, isImageReference } from '../../shared/domain/images';

const allowed = ['ghcr.io/acme/', 'registry.example.org:5000/viz/paraview', 'images.canfar.net/'];

describe('image policy', () => {
  it.each([
    'ghcr.io/acme/viz:1.2',
    'ghcr.io/acme/deep/path/app',
    'registry.example.org:5000/viz/paraview',
    'registry.example.org:5000/viz/paraview:5.13',
    `registry.example.org:5000/viz/paraview@sha256:${'a'.repeat(64)}`,
    'images.canfar.net/skaha/notebook:latest',
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
  ])('refuses %s', (_case, image) => {
    expect(imageAllowed(image, allowed)).toBe(false);
  });

  it('allows nothing without prefixes', () => {
    expect(imageAllowed('ghcr.io/acme/viz', [])).toBe(false);
    expect(isImageReference('ghcr.io/acme/viz')).toBe(true);
  });
});
