/**
 * Whether a request's raw path has a dot segment (`.` or `..`, written plainly or percent-encoded):
 * URL parsing resolves those away, so `DELETE /sessions/<id>/shares/%2e%2e` would reach
 * `DELETE /sessions/<id>`, another route with another meaning. Such a path is refused before any
 * route sees it (#33).
 */
export function hasDotSegment(rawPath: string): boolean {
  const path = rawPath.split('?', 1)[0]!;
  return path.split('/').some((segment) => {
    const plain = segment.replace(/%2e/gi, '.');
    return plain === '.' || plain === '..';
  });
}

export const DOT_SEGMENT_DETAIL = 'A path with a "." or ".." segment is refused: name the resource itself.';
