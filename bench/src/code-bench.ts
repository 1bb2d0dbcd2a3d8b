/**
 * Code bench: do the definitions a completion point depends on survive compression?
 *
 * Fixtures (bench/fixtures/code/<repo>/): small multi-file repositories written for this bench, each with `tasks.json` —
 * completion points `{ id, query, dependencies }`: the code around the cursor (a new function that calls helpers of the
 * repository) and the names of the definitions it depends on (directly, and some one call further down).
 *
 * For every task and ratio (2x, 4x, 10x of the repository's tokens) each method gets the same token budget:
 * - `ctxpress-code`: `compressCode` (tree-sitter segmentation, dependency links, knapsack, skeletons);
 * - `plain-text`: core `compressSync` on the files as documents with the same query (text-only compression);
 * - `head`: the repository text (same `// path` headers) truncated to the budget at a line boundary.
 * Metrics per dependency name: its full signature line (the first line of its declaration that names it, trimmed) is in the output
 * (`signature`), and its whole definition is in the output verbatim (`body`). A name with several definitions
 * (methods of different types) counts as kept when any of them is.
 *
 * `node bench/dist/code-bench.js` prints the table (o200k_base).
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressSync, type Tokenizer } from '@ctxpress/core';
import { compressCode, loadCodeSegmenter } from '@ctxpress/node';

export const CODE_RATIOS = [2, 4, 10] as const;
export const CODE_METHODS = ['ctxpress-code', 'plain-text', 'head'] as const;
export type CodeMethod = (typeof CODE_METHODS)[number];

export interface CodeTask {
  readonly id: string;
  readonly query: string;
  readonly dependencies: readonly string[];
}

export interface CodeRepo {
  readonly name: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly text: string }>;
  readonly tasks: readonly CodeTask[];
}

export interface CodeBenchRow {
  readonly repo: string;
  readonly task: string;
  readonly method: CodeMethod;
  readonly ratio: number;
  readonly budget: number;
  readonly tokens: number;
  /** Dependencies whose signature line survived / whose whole definition survived, out of `dependencies`. */
  readonly signatures: number;
  readonly bodies: number;
  readonly dependencies: number;
}

const SOURCE = /\.(ts|tsx|js|py|go|java|rs|c|h|cpp|hpp|cc)$/;

export function fixturesDirectory(): string {
  return fileURLToPath(new URL('../fixtures/code/', import.meta.url));
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

export function loadCodeRepos(dir: string = fixturesDirectory()): CodeRepo[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const root = join(dir, name);
      const files = listFiles(root).map((p) => ({ path: relative(root, p), text: readFileSync(p, 'utf8') }));
      const tasks = JSON.parse(readFileSync(join(root, 'tasks.json'), 'utf8')) as CodeTask[];
      return { name, files, tasks };
    });
}

interface Definition {
  readonly signature: string;
  readonly whole: string;
}

/** Definitions by name: the signature line and the whole text of every function, method and class. */
async function definitionsOf(repo: CodeRepo): Promise<Map<string, Definition[]>> {
  const byName = new Map<string, Definition[]>();
  for (const f of repo.files) {
    const outline = (await loadCodeSegmenter(f.path)).outline(f.text);
    for (const it of outline.items) {
      if (it.name === '' || !(it.kind === 'function' || it.kind === 'method' || it.kind === 'class')) continue;
      // the signature line: the first line of the declaration that names it (after decorators / attributes)
      const header = f.text.slice(it.declStart, it.bodyStart >= 0 ? it.bodyStart : it.end);
      const nameRe = new RegExp(`\\b${it.name.replace(/[$]/g, '\\$')}\\b`);
      const line = header.split('\n').find((l) => nameRe.test(l)) ?? header.split('\n')[0]!;
      const signature = line.trim();
      const list = byName.get(it.name) ?? [];
      list.push({ signature, whole: f.text.slice(it.declStart, it.end) });
      byName.set(it.name, list);
    }
  }
  return byName;
}

/** The repository as one text, as compressCode renders an uncompressed input: `// path` headers, files joined by a blank line. */
function repoText(repo: CodeRepo): string {
  return repo.files.map((f) => `${f.path.endsWith('.py') ? '#' : '//'} ${f.path}\n${f.text}`).join('\n\n');
}

/** Head truncation at a line boundary, recounted: the longest prefix of whole lines within the budget. */
export function headTruncate(text: string, budget: number, tokenizer: Tokenizer): string {
  const lines = text.split('\n');
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tokenizer.count(lines.slice(0, mid).join('\n')) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lines.slice(0, lo).join('\n');
}

export async function runCodeBench(options: {
  tokenizer: Tokenizer;
  repos?: readonly CodeRepo[];
  ratios?: readonly number[];
}): Promise<{ rows: CodeBenchRow[]; markdown: string }> {
  const { tokenizer } = options;
  const ratios = options.ratios ?? CODE_RATIOS;
  const repos = options.repos ?? loadCodeRepos();
  const rows: CodeBenchRow[] = [];
  for (const repo of repos) {
    const definitions = await definitionsOf(repo);
    const full = repoText(repo);
    const original = tokenizer.count(full);
    for (const task of repo.tasks) {
      for (const ratio of ratios) {
        const budget = Math.floor(original / ratio);
        const outputs: Record<CodeMethod, string> = {
          'ctxpress-code': (await compressCode(repo.files, { budget: { tokens: budget }, tokenizer, query: task.query })).text,
          'plain-text': compressSync(
            repo.files.map((f) => ({ id: f.path, text: f.text })),
            { budget: { tokens: budget }, tokenizer, query: task.query, format: 'text' },
          ).text,
          head: headTruncate(full, budget, tokenizer),
        };
        for (const method of CODE_METHODS) {
          const text = outputs[method];
          let signatures = 0;
          let bodies = 0;
          for (const dep of task.dependencies) {
            const defs = definitions.get(dep) ?? [];
            if (defs.length === 0) throw new Error(`code bench: ${repo.name}/${task.id}: no definition named ${dep}`);
            if (defs.some((d) => text.includes(d.signature))) signatures++;
            if (defs.some((d) => text.includes(d.whole))) bodies++;
          }
          rows.push({
            repo: repo.name,
            task: task.id,
            method,
            ratio,
            budget,
            tokens: text.length === 0 ? 0 : tokenizer.count(text),
            signatures,
            bodies,
            dependencies: task.dependencies.length,
          });
        }
      }
    }
  }
  return { rows, markdown: codeBenchMarkdown(rows, tokenizer.name, ratios) };
}

function retention(rows: readonly CodeBenchRow[], key: 'signatures' | 'bodies'): number {
  const total = rows.reduce((s, r) => s + r.dependencies, 0);
  return total === 0 ? 0 : rows.reduce((s, r) => s + r[key], 0) / total;
}

/** Fraction of dependency definitions kept, per method and ratio (signature line / whole definition). */
export function codeRetention(rows: readonly CodeBenchRow[], method: CodeMethod, ratio: number): { signatures: number; bodies: number } {
  const sel = rows.filter((r) => r.method === method && r.ratio === ratio);
  return { signatures: retention(sel, 'signatures'), bodies: retention(sel, 'bodies') };
}

export function codeBenchMarkdown(rows: readonly CodeBenchRow[], tokenizerName: string, ratios: readonly number[] = CODE_RATIOS): string {
  const repos = [...new Set(rows.map((r) => r.repo))];
  const tasks = new Set(rows.map((r) => `${r.repo}/${r.task}`)).size;
  const deps = rows.filter((r) => r.method === 'head' && r.ratio === ratios[0]).reduce((s, r) => s + r.dependencies, 0);
  const f = (x: number): string => x.toFixed(3);
  const lines = [
    `## Code: dependency-definition retention (${repos.length} repositories, ${tasks} completion points, ${deps} dependencies; tokenizer ${tokenizerName})`,
    '',
    'Each cell: signature line kept / whole definition kept (fraction of dependencies).',
    '',
    `| method | ${ratios.map((r) => `${r}x`).join(' | ')} |`,
    `|---|${ratios.map(() => '---').join('|')}|`,
  ];
  for (const method of CODE_METHODS) {
    lines.push(
      `| ${method} | ${ratios
        .map((ratio) => {
          const r = codeRetention(rows, method, ratio);
          return `${f(r.signatures)} / ${f(r.bodies)}`;
        })
        .join(' | ')} |`,
    );
  }
  lines.push(
    '',
    'Per repository at 4x (signature / definition):',
    '',
    `| repository | ${CODE_METHODS.join(' | ')} |`,
    `|---|${CODE_METHODS.map(() => '---').join('|')}|`,
  );
  for (const repo of repos) {
    const sel = rows.filter((r) => r.repo === repo && r.ratio === 4);
    lines.push(
      `| ${repo} | ${CODE_METHODS.map((m) => {
        const s = sel.filter((r) => r.method === m);
        return `${f(retention(s, 'signatures'))} / ${f(retention(s, 'bodies'))}`;
      }).join(' | ')} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** True when ctxpress-code keeps more dependency signatures than both baselines at 4x (the acceptance check). */
export function codeBeatsBaselines(rows: readonly CodeBenchRow[], ratio = 4): boolean {
  const code = codeRetention(rows, 'ctxpress-code', ratio).signatures;
  return code > codeRetention(rows, 'plain-text', ratio).signatures && code > codeRetention(rows, 'head', ratio).signatures;
}

/**
 * The code suite for bench/src/run.ts: runs with `tokenizer`, writes `code.json` and `code.md` to `outDir`, prints the
 * Markdown, and returns whether ctxpress-code beats both baselines at 4x.
 */
export async function runCodeSuite(outDir: string, tokenizer: Tokenizer): Promise<boolean> {
  const { rows, markdown } = await runCodeBench({ tokenizer });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'code.json'), `${JSON.stringify({ tokenizer: tokenizer.name, ratios: CODE_RATIOS, rows }, null, 2)}\n`);
  writeFileSync(join(outDir, 'code.md'), markdown);
  console.log(`\n${markdown}`);
  return codeBeatsBaselines(rows);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { getTokenizer } = await import('@ctxpress/node');
  const tokenizer = await getTokenizer(process.argv[2] ?? 'o200k_base');
  const { markdown } = await runCodeBench({ tokenizer });
  process.stdout.write(markdown);
}
