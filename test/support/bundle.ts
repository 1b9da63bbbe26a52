import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { BUNDLING } from '../../shared/config/functions';

/** Bundles one function as NodejsFunction does (shared/config BUNDLING); returns the code. */
export async function bundle(entry: string): Promise<string> {
  return (await bundleWithMap(entry)).code;
}

/**
 * Bundles one function as the stack deploys it (`sourceMap: true`): the code, which names its map, and the map, to be
 * written beside it as `<file>.map`.
 */
export async function bundleWithMap(entry: string, file = 'index.mjs'): Promise<{ code: string; map: string }> {
  const result = await build({
    outfile: file,
    sourcemap: 'external',
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
  const of = (ending: string) => result.outputFiles.find((f) => f.path.endsWith(ending))!.text;
  return { code: `${of('.mjs')}\n//# sourceMappingURL=${file}.map\n`, map: of('.mjs.map') };
}

export interface Invocation {
  event: unknown;
}

/** Runs a bundle's handler in a fresh process, once per event, in order; the results as JSON. */
export function invokeBundle(file: string, env: Record<string, string>, invocations: Invocation[]): Promise<unknown[]> {
  const runner = `const { handler } = await import(${JSON.stringify(file)});
const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 30000 };
const out = [];
for (const event of ${JSON.stringify(invocations.map((i) => i.event))}) out.push(await handler(event, context).catch((e) => ({ thrown: e.name + ': ' + e.message })));
process.stdout.write(JSON.stringify(out));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', runner], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', () => {
      try {
        if (process.env.DEBUG_MOTO) console.log(out, err.slice(-3000));
        resolve(JSON.parse(out) as unknown[]);
      } catch {
        reject(new Error(`no result from ${file}: ${out} ${err.slice(-2000)}`));
      }
    });
  });
}
