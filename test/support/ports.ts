/**
 * A port range for session processes in a test. Random, so parallel test files rarely share one;
 * the allocator test-binds each port, so a port another program holds is skipped anyway.
 */
export function testPortRange(size = 200): [number, number] {
  const lo = 20_000 + Math.floor(Math.random() * 40_000);
  return [lo, lo + size - 1];
}
