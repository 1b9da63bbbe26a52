import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The project-relative folders a file imports from (relative imports only). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), m[1]!)),
  );
}

// DESIGN.md: functions → shared; services → domain + ports; adapters → ports + SDKs; infra may
// import only shared/config; nothing imports infra.
const RULES: [string, string[]][] = [
  ['shared/domain', ['shared/domain']],
  ['shared/ports', ['shared/domain', 'shared/ports']],
  ['shared/config', ['shared/config', 'shared/domain']],
  ['shared/services', ['shared/services', 'shared/domain', 'shared/ports']],
  ['shared/adapters', ['shared/adapters', 'shared/domain', 'shared/ports', 'shared/config']],
  ['functions', ['functions', 'shared']],
  ['infra', ['infra', 'shared/config']],
];

describe('architecture', () => {
  it.each(RULES)('%s imports only from %j', (folder, allowed) => {
    const offences = tsFiles(folder).flatMap((file) =>
      importsOf(file)
        .filter((target) => !allowed.some((a) => target === a || target.startsWith(`${a}/`)))
        .map((target) => `${file} → ${target}`),
    );
    expect(offences).toEqual([]);
  });

  it('lets nothing in functions or shared import infra (or aws-cdk-lib)', () => {
    const offenders = [...tsFiles('shared'), ...tsFiles('functions')].filter((f) => {
      const text = readFileSync(join(ROOT, f), 'utf8');
      return (
        importsOf(f).some((t) => t === 'infra' || t.startsWith('infra/')) ||
        /from '(aws-cdk-lib|constructs|cdk-nag)/.test(text)
      );
    });
    expect(offenders).toEqual([]);
  });

  it('reads process.env only in shared/config', () => {
    const readers = [...tsFiles('shared'), ...tsFiles('functions')].filter(
      (f) => !f.startsWith('shared/config/') && /process\.env/.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(readers).toEqual([]);
  });
});
