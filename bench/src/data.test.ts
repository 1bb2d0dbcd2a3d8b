import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressInput, dataDirectory, fullText, listTaskFiles, loadTask, parseExamples, spreadSample } from './data.js';
import { normalize } from './metrics.js';

describe('fullText and compressInput', () => {
  const [documentsExample] = parseExamples(
    `${JSON.stringify({ id: 'd', task: 'multihop', source: 's', question: 'q', answers: [], supporting: [], documents: [{ title: 'A', text: 'one.' }, { title: 'B', text: 'two.' }] })}\n`,
  );
  it('joins documents as title\\ntext with blank lines', () => {
    expect(fullText(documentsExample!)).toBe('A\none.\n\nB\ntwo.');
    expect(compressInput(documentsExample!)).toEqual([{ title: 'A', text: 'one.' }, { title: 'B', text: 'two.' }]);
  });
  it('rejects a line with both context and documents', () => {
    expect(() => parseExamples(JSON.stringify({ id: 'x', question: 'q', context: 'c', documents: [] }))).toThrow(/exactly one/);
  });
});

describe('spreadSample', () => {
  it('spreads a limit evenly and keeps all without one', () => {
    expect(spreadSample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([0, 3, 6]);
    expect(spreadSample([1, 2], 5)).toEqual([1, 2]);
    expect(spreadSample([1, 2], undefined)).toEqual([1, 2]);
  });
});

const directory = dataDirectory();
const taskFiles = existsSync(directory) ? listTaskFiles(directory) : [];
if (taskFiles.length === 0) console.warn(`shared data (reference normalisation): skipped, ${directory} has no .jsonl task files`);
describe.skipIf(taskFiles.length === 0)('shared data (reference normalisation)', () => {
  it.each(taskFiles.map((file) => [basename(file), file]))('every answer and supporting string occurs in the normalised full context: %s', (_, file) => {
    const task = loadTask(file as string);
    for (const example of task.examples) {
      const context = normalize(fullText(example));
      for (const needle of [...example.answers, ...example.supporting]) expect(context.includes(normalize(needle)), `${example.id}: ${needle}`).toBe(true);
    }
  });
});
