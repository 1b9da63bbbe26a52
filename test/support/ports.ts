/** Where Linux picks the local ports of outgoing connections by default (net.ipv4.ip_local_port_range). */
const EPHEMERAL_LO = 32_768;

/**
 * A port range for session processes in a test. Random, so parallel test files rarely share one;
 * the allocator test-binds each port, so a port another program holds is skipped anyway. Below the
 * ephemeral ports, as the server's default (9001-9500) is: between the allocator's check and the
 * app's bind, any outgoing connection (the router's, a test client's) may take an ephemeral port,
 * and the app then fails with EADDRINUSE (a launch prepares its process beside its store writes,
 * #39, so that window is a store write longer than it was).
 */
export function testPortRange(size = 200): [number, number] {
  const lo = 20_000 + Math.floor(Math.random() * (EPHEMERAL_LO - 20_000 - size));
  return [lo, lo + size - 1];
}
