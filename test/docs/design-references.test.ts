/**
 * Every reference to a section of DESIGN.md in the repository (code, tests, README, the import rules) names a section
 * that DESIGN.md has, and DESIGN.md's own `§N` cross-references do too: renumbering a section
 * without updating its citations fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** This file: its examples of dangling references are meant to dangle. */
const SELF = fileURLToPath(import.meta.url);
const SCANNED_DIRS = ['lib', 'functions', 'infra', 'test', '.ci'];
const SCANNED_FILES = ['README.md', 'DESIGN.md', '.dependency-cruiser.cjs', 'package.json'];
const SKIPPED = new Set(['node_modules', 'generated', '.venv-otel', 'cdk.out', 'fixtures']);
const TEXT = /\.(ts|mts|cts|js|mjs|cjs|md|json|sh)$|^run$/;

/** `## 3. Series, windows and aggregate state` → 3 → its title. */
function designSections(design: string): Map<number, string> {
  const sections = new Map<number, string>();
  for (const m of design.matchAll(/^## (\d+)\. (.+)$/gm)) sections.set(Number(m[1]), m[2] ?? '');
  return sections;
}

interface DesignReference {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /** The section numbers cited. */
  readonly sections: readonly number[];
  /** A § not followed by a number. */
  readonly malformed: boolean;
}

/**
 * The references to DESIGN.md sections in `text` (a section number after `DESIGN.md §`, also lists
 * and possessives); with `ownSections`, every bare § too (DESIGN.md citing itself).
 */
function designReferences(file: string, text: string, ownSections = false): DesignReference[] {
  const found: DesignReference[] = [];
  const pattern = ownSections ? /§(\S*)/g : /DESIGN\.md\s*\(?((?:\s*(?:,|and)?\s*§\S*)+)/g;
  for (const m of text.matchAll(pattern)) {
    const line = text.slice(0, m.index).split('\n').length;
    const cited = ownSections ? `§${m[1] ?? ''}` : (m[1] ?? '');
    const numbers = [...cited.matchAll(/§(\d*)/g)].map((s) => s[1] ?? '');
    found.push({
      file,
      line,
      text: m[0].trim(),
      sections: numbers.filter((n) => n !== '').map(Number),
      malformed: numbers.includes(''),
    });
  }
  return found;
}

/** References that name no section of `sections` (or no section at all). */
function dangling(references: readonly DesignReference[], sections: ReadonlyMap<number, string>): string[] {
  const out: string[] = [];
  for (const r of references) {
    if (r.malformed) out.push(`${r.file}:${r.line}: "${r.text}" names no section number`);
    for (const n of r.sections) {
      if (!sections.has(n)) out.push(`${r.file}:${r.line}: "${r.text}": DESIGN.md has no §${n}`);
    }
  }
  return out;
}

function walk(dir: string, out: string[]): void {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (TEXT.test(entry.name) && path !== SELF) out.push(path);
  }
}

function repositoryFiles(): string[] {
  const files: string[] = [];
  for (const dir of SCANNED_DIRS) walk(join(ROOT, dir), files);
  for (const file of SCANNED_FILES) files.push(join(ROOT, file));
  return files;
}

const design = readFileSync(join(ROOT, 'DESIGN.md'), 'utf8');
const sections = designSections(design);

describe('DESIGN.md', () => {
  it('has sections numbered 1, 2, 3, … in order', () => {
    const numbers = [...design.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1]));
    expect(numbers.length).toBeGreaterThan(5);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it('is cited, and every reference to it in the repository names one of its sections', () => {
    const references: DesignReference[] = [];
    for (const path of repositoryFiles()) {
      const text = readFileSync(path, 'utf8');
      const file = relative(ROOT, path);
      references.push(...designReferences(file, text, file === 'DESIGN.md'));
    }
    // The code cites the design in dozens of places; a scan that finds few has stopped looking.
    expect(references.filter((r) => r.file !== 'DESIGN.md').length).toBeGreaterThan(30);
    expect(dangling(references, sections)).toEqual([]);
  });

  it('the check finds a dangling reference, a missing number and one of a list', () => {
    const text = [
      'see DESIGN.md §2 and DESIGN.md §99',
      '(DESIGN.md §, nothing)',
      '(DESIGN.md §4, §77)',
      "DESIGN.md §3's table",
    ].join('\n');
    const problems = dangling(
      designReferences('x.ts', text),
      new Map([
        [2, 'a'],
        [3, 'b'],
        [4, 'c'],
      ]),
    );
    expect(problems).toEqual([
      'x.ts:1: "DESIGN.md §99": DESIGN.md has no §99',
      'x.ts:2: "DESIGN.md §," names no section number',
      'x.ts:3: "DESIGN.md §4, §77)": DESIGN.md has no §77',
    ]);
  });
});
