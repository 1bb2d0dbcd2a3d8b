import { describe, expect, it } from 'vitest';
import type { LineOutcome } from '../batch-request.js';
import { type BatchStats, planBatch, progressLine, runBatch } from './batch.js';

async function* linesOf(lines: readonly string[]): AsyncIterable<string> {
  for (const line of lines) yield line;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Echoes each line back as JSON after a delay chosen by the line, so later lines can finish first. */
function delayedRunner(delayOf: (line: string) => number) {
  let running = 0;
  let maxRunning = 0;
  return {
    get maxRunning() {
      return maxRunning;
    },
    async run(line: string, lineNumber: number): Promise<LineOutcome> {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(delayOf(line));
      running--;
      return { json: JSON.stringify({ line, lineNumber }), ok: !line.startsWith('bad') };
    },
  };
}

describe('runBatch', () => {
  it('writes results in input order although they finish out of order, skipping blank lines', async () => {
    const input = ['slow', '', 'fast', 'bad', '   ', 'medium', 'fast2'];
    const delays: Record<string, number> = { slow: 40, fast: 1, bad: 5, medium: 20, fast2: 0 };
    const written: string[] = [];
    const stats = await runBatch(
      linesOf(input),
      delayedRunner((line) => delays[line] ?? 0),
      async (chunk) => {
        written.push(chunk);
      },
      { maxPending: 10 },
    );
    const parsed = written.map((chunk) => JSON.parse(chunk) as { line: string; lineNumber: number });
    expect(parsed).toEqual([
      { line: 'slow', lineNumber: 1 },
      { line: 'fast', lineNumber: 3 },
      { line: 'bad', lineNumber: 4 },
      { line: 'medium', lineNumber: 6 },
      { line: 'fast2', lineNumber: 7 },
    ]);
    expect(written.every((chunk) => chunk.endsWith('\n'))).toBe(true);
    expect(stats).toMatchObject({ lines: 5, ok: 4, errors: 1 });
  });

  it('never has more than maxPending lines in flight, however slow the first one is', async () => {
    const input = Array.from({ length: 30 }, (_, index) => `line ${index}`);
    const runner = delayedRunner((line) => (line === 'line 0' ? 30 : 1));
    const written: string[] = [];
    await runBatch(linesOf(input), runner, async (chunk) => void written.push(chunk), { maxPending: 4 });
    expect(runner.maxRunning).toBeLessThanOrEqual(4);
    expect(written.map((chunk) => (JSON.parse(chunk) as { line: string }).line)).toEqual(input);
  });

  it('strips a byte-order mark from the first line and counts progress bytes', async () => {
    const updates: BatchStats[] = [];
    const written: string[] = [];
    await runBatch(linesOf(['\uFEFFfirst', 'second']), delayedRunner(() => 0), async (chunk) => void written.push(chunk), {
      maxPending: 2,
      onProgress: (stats) => updates.push({ ...stats }),
    });
    expect((JSON.parse(written[0]!) as { line: string }).line).toBe('first');
    expect(updates.at(-1)).toMatchObject({ lines: 2, bytesDone: Buffer.byteLength('\uFEFFfirst') + 1 + 'second'.length + 1 });
  });

  it('rejects when the output cannot be written', async () => {
    const failingWrite = async (): Promise<void> => {
      throw new Error('disk full');
    };
    await expect(runBatch(linesOf(['a', 'b', 'c']), delayedRunner(() => 0), failingWrite, { maxPending: 2 })).rejects.toThrow('disk full');
  });

  it('rejects when the runner fails fatally', async () => {
    const runner = { run: () => Promise.reject(new Error('worker could not start')) };
    await expect(runBatch(linesOf(['a', 'b']), runner, async () => {}, { maxPending: 2 })).rejects.toThrow('worker could not start');
  });
});

describe('planBatch', () => {
  it('refuses to write the output over the input', () => {
    expect(() => planBatch('in.jsonl', { output: './in.jsonl' }, '/tmp')).toThrow(/must not be the input/);
  });
  it('defaults the worker count to the available cores', () => {
    expect(planBatch('in.jsonl', {}, '/tmp').workers).toBeGreaterThanOrEqual(1);
    expect(planBatch('in.jsonl', { workers: 3 }, '/tmp').workers).toBe(3);
  });
});

describe('progressLine', () => {
  it('draws a bar from the bytes done', () => {
    const line = progressLine({ lines: 10, ok: 9, errors: 1, bytesDone: 50 }, 100, 2000);
    expect(line).toBe('[############------------]  50%  10 lines · 1 error · 5/s');
  });
  it('shows only counts when the size is unknown (stdin)', () => {
    expect(progressLine({ lines: 1, ok: 1, errors: 0, bytesDone: 5 }, undefined, 1000)).toBe('1 line · 0 errors · 1/s');
  });
});
