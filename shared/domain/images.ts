/**
 * A container image reference with an explicit registry host (never Docker Hub's implicit
 * default): host[:port]/path[:tag][@sha256:digest], lower-case path components.
 */
const IMAGE =
  /^(?<host>(?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d{1,5})?|localhost(?::\d{1,5})?)(?<path>(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@sha256:[a-f0-9]{64})?$/;

export function isImageReference(image: string): boolean {
  return image.length <= 512 && IMAGE.test(image);
}

/**
 * Whether `image` comes from one of the allowed registries or repository prefixes. A prefix ending
 * in "/" allows everything below it, one ending in ":" any tag of that repository (the form the deploy
 * guide gives for the stack's own repository); one with neither allows that repository (any tag or
 * digest) or anything below it. "ghcr.io/acme/" allows "ghcr.io/acme/viz:1" but not "ghcr.io/acme-evil/x".
 */
export function imageAllowed(image: string, prefixes: readonly string[]): boolean {
  if (!isImageReference(image)) return false;
  return prefixes.some((prefix) => {
    if (prefix.endsWith('/') || prefix.endsWith(':')) return image.startsWith(prefix);
    return image === prefix || [':', '@', '/'].some((sep) => image.startsWith(`${prefix}${sep}`));
  });
}

/** An image a discovery found (a local engine, ECR): its reference, its labels, when it was made. */
export interface LabelledImage {
  image: string;
  labels: Readonly<Record<string, string>>;
  /** Epoch ms; the newest of two images that name one app wins. */
  created?: number;
}
