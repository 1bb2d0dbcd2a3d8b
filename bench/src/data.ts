/**
 * The evaluation data: JSONL files in one shape (see shared/data/README.md). Loading, the full-context text as the
 * README defines it, and the input handed to the compressors.
 * @module
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The kind of retention a file measures (the `task` field). */
export type TaskKind = 'qa' | 'multihop' | 'needle' | 'conversation' | 'meeting' | 'code';

/** Task kinds whose examples carry extractive `answers`; "mean over QA tasks" averages these. */
export const QA_TASK_KINDS: readonly TaskKind[] = ['qa', 'multihop', 'needle', 'conversation'];

export interface ExampleDocument {
  readonly title: string;
  readonly text: string;
}

/** One line of a data file. Exactly one of `context` / `documents` is present. */
export interface Example {
  readonly id: string;
  readonly task: TaskKind;
  readonly source: string;
  readonly question: string;
  readonly answers: readonly string[];
  readonly supporting: readonly string[];
  readonly context?: string;
  readonly documents?: readonly ExampleDocument[];
  readonly gold_answer?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** One data file: `name` is the file stem (`squad_article`), `kind` the task kind of its examples. */
export interface Task {
  readonly name: string;
  readonly kind: TaskKind;
  readonly file: string;
  readonly examples: readonly Example[];
}

/** `CTXPRESS_DATA` when set, else `shared/data/` next to the repository (`/work/shared/data` for `/work/main`). */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['CTXPRESS_DATA'];
  if (override !== undefined && override !== '') return override;
  // bench/dist/data.js → ../../../shared/data/
  return fileURLToPath(new URL('../../../shared/data/', import.meta.url));
}

/**
 * For tests that read the evaluation data: true, after a warning that names what is missing, when one of `files` is not
 * in the data directory, so the test skips cleanly (`it.skipIf(...)`) on a checkout without `../shared/data`. With the
 * data present it returns false and the test runs.
 */
export function skipWithoutData(test: string, files: readonly string[], directory: string = dataDirectory()): boolean {
  const missing = files.filter((file) => !existsSync(join(directory, file)));
  if (missing.length === 0) return false;
  console.warn(`${test}: skipped, ${directory} has no ${missing.join(', ')} (the evaluation data; CTXPRESS_DATA names another directory)`);
  return true;
}

/** The `.jsonl` files of a data directory, sorted by name. */
export function listTaskFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(directory, name));
}

export function parseExamples(jsonl: string, file = '<input>'): Example[] {
  const examples: Example[] = [];
  const lines = jsonl.split('\n');
  for (let lineNumber = 0; lineNumber < lines.length; lineNumber++) {
    const line = lines[lineNumber]?.trim();
    if (line === undefined || line === '') continue;
    const value = JSON.parse(line) as Example;
    if (typeof value.id !== 'string' || typeof value.question !== 'string') {
      throw new Error(`${file}:${lineNumber + 1}: not an example (missing id or question)`);
    }
    if ((value.context === undefined) === (value.documents === undefined)) {
      throw new Error(`${file}:${lineNumber + 1}: exactly one of context / documents must be present`);
    }
    examples.push(value);
  }
  return examples;
}

export function loadTask(file: string): Task {
  const examples = parseExamples(readFileSync(file, 'utf8'), file);
  const first = examples[0];
  if (first === undefined) throw new Error(`${file}: no examples`);
  return { name: basename(file, '.jsonl'), kind: first.task, file, examples };
}

/**
 * Loads the task files, keeping those named in `only` (file stem like `squad_article` or task kind like `qa`).
 * Throws on a name that matches no file, so a typo does not silently run nothing.
 */
export function loadTasks(directory: string, only?: readonly string[]): Task[] {
  const files = listTaskFiles(directory);
  const wanted = only === undefined || only.length === 0 ? undefined : new Set(only);
  const tasks: Task[] = [];
  const matched = new Set<string>();
  for (const file of files) {
    const name = basename(file, '.jsonl');
    if (wanted !== undefined && !wanted.has(name)) {
      // The kind is only known after reading; read just the first line to decide.
      const kind = firstTaskKind(file);
      if (kind === undefined || !wanted.has(kind)) continue;
      matched.add(kind);
    }
    matched.add(name);
    tasks.push(loadTask(file));
  }
  if (wanted !== undefined) {
    const unknown = [...wanted].filter((name) => !matched.has(name));
    if (unknown.length > 0) {
      const known = files.map((file) => basename(file, '.jsonl')).join(', ');
      throw new Error(`unknown task(s): ${unknown.join(', ')} (known: ${known}, or a task kind)`);
    }
  }
  return tasks;
}

function firstTaskKind(file: string): TaskKind | undefined {
  const text = readFileSync(file, 'utf8');
  const end = text.indexOf('\n');
  const first = JSON.parse(end < 0 ? text : text.slice(0, end)) as Partial<Example>;
  return first.task;
}

/** `limit` examples spread evenly over the file (every k-th), so a quick run still covers its lengths and depths. */
export function spreadSample<T>(items: readonly T[], limit: number | undefined): T[] {
  if (limit === undefined || limit >= items.length) return [...items];
  const picked: T[] = [];
  for (let i = 0; i < limit; i++) {
    const item = items[Math.floor((i * items.length) / limit)];
    if (item !== undefined) picked.push(item);
  }
  return picked;
}

/** The full context as the README defines it: `context`, or documents as `title\ntext` joined by blank lines. */
export function fullText(example: Example): string {
  if (example.context !== undefined) return example.context;
  return (example.documents ?? []).map((document) => `${document.title}\n${document.text}`).join('\n\n');
}

/** What the compressors receive: the context string, or the documents as `{ title, text }[]`. */
export function compressInput(example: Example): string | { title: string; text: string }[] {
  if (example.context !== undefined) return example.context;
  return (example.documents ?? []).map((document) => ({ title: document.title, text: document.text }));
}
