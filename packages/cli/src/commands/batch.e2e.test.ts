/**
 * `ctxpress batch` end to end: the worker pool needs the compiled worker (`dist/batch-worker.js`), so these tests
 * spawn the built binary. `npm test` runs `npm run build` first; on its own, run `npx tsc -b packages/cli` before.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const SAMPLE_BATCH = fileURLToPath(new URL('../../samples/batch.jsonl', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ctxpress(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

const TOPICS = [
  'The lighthouse was built on the northern cape in 1868. Its lamp burned paraffin until 1931, when it was electrified. The keeper lived in a cottage beside the tower with his family. Storms sometimes cut the cape off from the village for days.',
  'Bees communicate the direction of food with a waggle dance. The angle of the dance relative to vertical matches the angle of the food source relative to the sun. The length of the waggle run encodes distance. Other bees follow the dancer and then fly out.',
  'A sourdough starter is a mixture of flour and water colonised by wild yeast and bacteria. It must be fed regularly. A healthy starter doubles in size within a few hours of feeding. Bakers keep it in the fridge between bakes to slow it down.',
  'The railway reached the valley in 1894 and changed its economy within a decade. Farmers could send milk to the city every morning. The station had two platforms and a small goods yard. It closed in 1967 and the line became a cycle path.',
];

interface Request {
  id: string;
  text?: string;
  documents?: { id: string; title?: string; text: string }[];
  query?: string;
  tokens?: number;
  ratio?: number;
  keep?: string[];
}

/** 20 requests; lines 6 and 14 (1-based, counting the blank line 10) are broken on purpose. */
function writeBatch(dir: string): { path: string; lines: string[] } {
  const lines: string[] = [];
  for (let index = 0; index < 18; index++) {
    const text = `${TOPICS[index % TOPICS.length]!} `.repeat(1 + (index % 3));
    const request: Request = { id: `req-${index}` };
    if (index % 5 === 4) request.documents = [{ id: 'd1', title: 'Notes', text }, { id: 'd2', text: TOPICS[(index + 1) % TOPICS.length]! }];
    else request.text = text;
    if (index % 2 === 0) request.tokens = 20 + index * 3;
    else request.ratio = 2 + (index % 3);
    if (index % 3 === 0) request.query = 'When was it built or when did it close?';
    if (index === 12) request.keep = ['/\\d{4}/']; // one copy of the lighthouse text, 56 tokens: both years fit
    lines.push(JSON.stringify(request));
  }
  lines.splice(5, 0, '{"id": "broken", "text": "unterminated'); // line 6: invalid JSON
  lines.splice(9, 0, ''); // line 10: blank, skipped
  lines.splice(13, 0, JSON.stringify({ id: 'no-text', tokens: 50 })); // line 14: missing text
  const path = join(dir, 'in.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, lines };
}

interface OutputLine {
  id: string | null;
  line?: number;
  error?: { code: string; message: string };
  text?: string;
  tokens?: { original: number; compressed: number; budget: number };
  ratio?: number | null;
  kept?: { sourceId: string; start: number; end: number }[];
}

function parseOutput(text: string): OutputLine[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as OutputLine);
}

describe('ctxpress batch (built binary, worker threads)', () => {
  it('built dist exists (run `npx tsc -b packages/cli` or `npm test`)', () => {
    expect(existsSync(BIN)).toBe(true);
  });

  it('answers every line in input order, with error lines for the bad ones, and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxpress-batch-'));
    const { path, lines } = writeBatch(dir);
    const { code, stdout, stderr } = await ctxpress(['batch', path, '--workers', '3']);
    expect(code).toBe(0);

    const output = parseOutput(stdout);
    const expectedIds = lines.filter((line) => line.trim() !== '').map((line) => (line.startsWith('{"id": "broken"') ? null : (JSON.parse(line) as Request).id));
    expect(output.map((line) => line.id)).toEqual(expectedIds);
    expect(output).toHaveLength(20);

    const errors = output.filter((line) => line.error);
    expect(errors).toEqual([
      { id: null, line: 6, error: { code: 'INVALID_JSON', message: expect.stringMatching(/^not valid JSON/) } },
      { id: 'no-text', line: 14, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/missing "text"/) } },
    ]);

    const good = output.filter((line) => !line.error);
    expect(good).toHaveLength(18);
    for (const line of good) {
      expect(Object.keys(line).sort()).toEqual(['id', 'kept', 'ratio', 'text', 'tokens']);
      expect(line.tokens!.compressed).toBeLessThanOrEqual(line.tokens!.budget);
      expect(line.tokens!.compressed).toBeGreaterThan(0);
      expect(line.text!.length).toBeGreaterThan(0);
      expect(line.kept!.length).toBeGreaterThan(0);
    }
    // A token budget is honoured as given; a ratio budget is floor(original / ratio).
    const byId = new Map(good.map((line) => [line.id, line]));
    expect(byId.get('req-0')!.tokens!.budget).toBe(20);
    const ratioLine = byId.get('req-1')!;
    expect(ratioLine.tokens!.budget).toBe(Math.floor(ratioLine.tokens!.original / 3));
    // keep: every four-digit year of request 12 survives.
    expect(byId.get('req-12')!.text).toContain('1868');
    expect(byId.get('req-12')!.text).toContain('1931');

    expect(stderr).toMatch(/^ctxpress batch: 20 lines, 18 ok, 2 errors in \d+\.\d s\n$/);
  }, 60_000);

  it('-o writes the results to a file and nothing to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxpress-batch-'));
    const out = join(dir, 'out.jsonl');
    const { code, stdout, stderr } = await ctxpress(['batch', SAMPLE_BATCH, '-o', out]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`→ ${out}`);
    const output = parseOutput(readFileSync(out, 'utf8'));
    const input = readFileSync(SAMPLE_BATCH, 'utf8').trimEnd().split('\n');
    expect(output).toHaveLength(input.length);
    expect(output.map((line) => line.id)).toEqual(input.map((line) => (JSON.parse(line) as { id: string }).id));
  }, 60_000);

  it('reads stdin with "-"', async () => {
    const input = `${JSON.stringify({ id: 1, text: TOPICS[0], tokens: 25 })}\n${JSON.stringify({ id: 2, text: TOPICS[1], ratio: 2 })}\n`;
    const { code, stdout } = await ctxpress(['batch', '-', '--workers', '1'], input);
    expect(code).toBe(0);
    expect(parseOutput(stdout).map((line) => line.id)).toEqual([1, 2]);
  }, 60_000);

  it('exits 1 when the input file cannot be read', async () => {
    const { code, stdout, stderr } = await ctxpress(['batch', '/no/such/input.jsonl']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^ctxpress: cannot read \/no\/such\/input\.jsonl: ENOENT/);
  });

  it('exits 1 when the output file cannot be written', async () => {
    const { code, stderr } = await ctxpress(['batch', SAMPLE_BATCH, '-o', '/no/such/dir/out.jsonl']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ctxpress: cannot write \/no\/such\/dir\/out\.jsonl: ENOENT/);
  });

  it('--time-limit: a request over the limit gets a TIME_LIMIT error line and the batch goes on (exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxpress-batch-'));
    const path = join(dir, 'in.jsonl');
    const big = 'The harbour opened in 1872 after six years of work. Ships brought timber and salt.\n'.repeat(3000);
    writeFileSync(path, `${JSON.stringify({ id: 'big', text: big, ratio: 4 })}\n{"id": "broken"\n${JSON.stringify({ id: 'big2', text: big, tokens: 500 })}\n`);
    const { code, stdout, stderr } = await ctxpress(['batch', path, '--workers', '1', '--time-limit', '0.001']);
    expect(code).toBe(0);
    const out = parseOutput(stdout);
    expect(out[0]).toMatchObject({ id: 'big', line: 1, error: { code: 'TIME_LIMIT' } });
    expect(out[1]).toMatchObject({ id: null, line: 2, error: { code: 'INVALID_JSON' } });
    expect(out[2]).toMatchObject({ id: 'big2', line: 3, error: { code: 'TIME_LIMIT' } });
    expect(stderr).toMatch(/3 lines, 0 ok, 3 errors/);
  });

  it('exits 2 on a usage error', async () => {
    const { code, stderr } = await ctxpress(['batch', SAMPLE_BATCH, '--workers', 'many']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--workers/);
  });
});
