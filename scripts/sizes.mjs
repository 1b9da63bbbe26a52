#!/usr/bin/env node
// Size histograms of the source (not the tests): lines per file and lines per function, and the
// longest functions. Usage: node scripts/sizes.mjs [root]   (root defaults to the working directory)
// With --check (npm run lint): fails where a function over 60 lines has no `// Over 60 lines: <why>`
// on the line above it, or a file over 300 lines no `// Over 300 lines: <why>` in its first lines.
// Used to show that a re-layout kept files and functions a reader can hold in their head (#34).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const check = process.argv.includes('--check');
const root = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? process.cwd();
const unexplained = [];
const ROOMS = ['shared', 'functions', 'infra'];

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

/** The comment lines directly above line `start` (0-based), joined. */
function commentAbove(lines, start) {
  const found = [];
  for (let i = start - 1; i >= 0 && /^\s*(\/\/|\/\*\*|\*)/.test(lines[i]); i--) found.push(lines[i]);
  return found.join('\n');
}

const FILE_BINS = [100, 200, 300, 400, Infinity];
const FUNCTION_BINS = [20, 40, 60, 100, 150, Infinity];
const bin = (bins, n) => bins.findIndex((b) => n <= b);
const label = (bins, i) => (bins[i] === Infinity ? `>${bins[i - 1]}` : `≤${bins[i]}`);

const files = [];
const functions = [];
let wide100 = 0;
let wide120 = 0;
for (const room of ROOMS) {
  for (const path of sources(join(root, room))) {
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    files.push({ path: relative(root, path), lines: lines.length });
    if (lines.length > 300 && !lines.slice(0, 12).some((l) => l.includes('// Over 300 lines:')))
      unexplained.push(`${relative(root, path)}: ${lines.length} lines`);
    wide100 += lines.filter((l) => l.length > 100).length;
    wide120 += lines.filter((l) => l.length > 120).length;
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body && ts.isBlock(node.body)) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const name =
          node.name?.getText() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : '(anonymous)');
        functions.push({ where: `${relative(root, path)}:${start + 1}`, name, lines: end - start + 1 });
        if (end - start + 1 > 60 && !commentAbove(lines, start).includes('// Over 60 lines:'))
          unexplained.push(`${relative(root, path)}:${start + 1} ${name}: ${end - start + 1} lines`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}

const histogram = (bins, values) => {
  const counts = bins.map(() => 0);
  for (const v of values) counts[bin(bins, v)] += 1;
  return bins.map((_, i) => `${label(bins, i)}: ${counts[i]}`).join('  ');
};
const total = files.reduce((s, f) => s + f.lines, 0);
console.log(`files: ${files.length}, lines: ${total}, lines over 100 columns: ${wide100}, over 120: ${wide120}`);
console.log(
  `lines per file      ${histogram(
    FILE_BINS,
    files.map((f) => f.lines),
  )}`,
);
console.log(
  `lines per function  ${histogram(
    FUNCTION_BINS,
    functions.map((f) => f.lines),
  )}`,
);
console.log('longest functions:');
for (const f of functions.sort((a, b) => b.lines - a.lines).slice(0, Number(process.env.TOP ?? 15)))
  console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`);
console.log('longest files:');
for (const f of files.sort((a, b) => b.lines - a.lines).slice(0, 8))
  console.log(`  ${String(f.lines).padStart(4)}  ${f.path}`);

if (check && unexplained.length) {
  console.error(`Over the size limits with no reason given (a comment saying why, see the top of scripts/sizes.mjs):`);
  for (const u of unexplained) console.error(`  ${u}`);
  process.exit(1);
}
