import { describe, expect, it } from 'vitest';
import { FUNCTION_ENTRIES } from '../../shared/config/functions';
import { bundle } from '../support/bundle';

describe('function bundles (esbuild, as NodejsFunction builds them)', () => {
  it.each(Object.entries(FUNCTION_ENTRIES))('%s bundles with its handler, without aws-cdk-lib or local-only code', async (_name, entry) => {
    const code = await bundle(entry);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    for (const forbidden of ['aws-cdk-lib', 'constructs/lib', 'dynalite', 'pino-pretty', 'leveldown', 'classic-level']) {
      expect(code.includes(forbidden), `${forbidden} in ${entry}`).toBe(false);
    }
  });
});
