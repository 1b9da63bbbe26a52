import { build } from 'esbuild';
import { BUNDLING } from '../../shared/config/functions';

/** Bundles one function as NodejsFunction does (shared/config BUNDLING); returns the code. */
export async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    treeShaking: true,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    alias: { ...BUNDLING.alias },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
