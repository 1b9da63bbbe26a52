import { RuntimeStartError } from '../../../domain/errors';

/** The Fargate task sizes: CPU units → allowed memory (MiB). ECS "create task definition". */
const SIZES: [number, number[]][] = [
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
  [32768, [61440, 122880, 249856]],
];

function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

/**
 * The smallest Fargate size with at least `cpu` vCPUs and `memoryMiB`, checked against the table
 * before any call (RunTask would refuse a pair outside it). None large enough: RuntimeStartError.
 */
export function fargateTaskSize(cpu: number, memoryMiB: number): { cpu: number; memory: number } {
  for (const [units, memories] of SIZES) {
    if (units < cpu * 1024) continue;
    const memory = memories.find((m) => m >= memoryMiB);
    if (memory !== undefined) return { cpu: units, memory };
  }
  throw new RuntimeStartError(
    `No Fargate task size has ${cpu} vCPU and ${memoryMiB} MiB (the largest is 16 vCPU/120 GiB, or 32 vCPU/244 GiB).`,
    {
      reason: 'size',
    },
  );
}
