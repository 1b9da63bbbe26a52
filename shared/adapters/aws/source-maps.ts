import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

type Entry = { originalSource?: string; originalLine?: number; originalColumn?: number };
let installed = false;

/**
 * Stack traces of a function's bundle in its sources' terms, at no cost to a cold start (#39): `--enable-source-maps`
 * parses the bundle's 2–3 MB map at every start (40–70 ms); this reads it on the first stack trace that is formatted
 * (V8 formats `error.stack` when it is first read), and only if the map is beside the bundle (`index.mjs.map`, as
 * NodejsFunction writes it with `sourceMap: true`). Frames of other files are as Node writes them.
 */
export function mapBundleStacks(bundleUrl: string = import.meta.url): void {
  if (installed || !bundleUrl.startsWith('file:')) return;
  const bundlePath = fileURLToPath(bundleUrl);
  if (!existsSync(`${bundlePath}.map`)) return; // not a bundle with its map (tests, tsx): nothing to map
  installed = true;
  let map: SourceMap | null | undefined;
  const load = () => {
    if (map === undefined)
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')));
      } catch {
        map = null; // an unreadable map: stacks as they are
      }
    return map;
  };
  Error.prepareStackTrace = (error, frames) => {
    const lines = frames.map((frame) => {
      const file = frame.getFileName();
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      if ((file === bundleUrl || file === bundlePath) && line && column) {
        const found = load()?.findEntry(line - 1, column - 1) as Entry | undefined;
        if (found?.originalSource)
          return `    at ${frame.isAsync() ? 'async ' : ''}${frame.getFunctionName() ?? '<anonymous>'} (${found.originalSource}:${found.originalLine! + 1}:${found.originalColumn! + 1})`;
      }
      return `    at ${String(frame)}`;
    });
    return [String(error), ...lines].join('\n');
  };
}
