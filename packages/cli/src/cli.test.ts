/**
 * The CLI run in-process with the real library (`@ctxpress/node` resolves to its built `dist/`; `npm test` builds first).
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, redisCommand, skipRedisTests, startRedisServer } from '@ctxpress/node/testing';
import { type CliIo, runCli } from './cli.js';

const SAMPLE = fileURLToPath(new URL('../samples/sample.md', import.meta.url));
const QUESTION = 'What limits the battery life of the rover?';
const ANSWER = "The battery's life is limited above all by the cold nights";

const PARAGRAPH =
  'The harbour opened in 1872 after six years of work. Ships from the north brought timber and salt. ' +
  'In 1901 a fire destroyed the eastern warehouses, and they were rebuilt in brick. ' +
  'Today the harbour is used mainly by fishing boats and a summer ferry to the islands. ' +
  'The old customs house is now a museum with a collection of ship models. ';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function cli(argv: string[], options: { stdin?: string; tty?: boolean; env?: Record<string, string> } = {}): Promise<Run> {
  const stdout = sink();
  const stderr = sink();
  const io: CliIo = {
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdinIsTTY: options.stdin === undefined,
    stdoutIsTTY: options.tty ?? false,
    stderrIsTTY: false,
    env: options.env ?? {},
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ctxpress-cli-'));
}

interface JsonResult {
  text: string;
  tokens: { original: number; compressed: number; budget: number };
  sources: { id: string }[];
  kept: { sourceId: string; start: number; end: number }[];
  units?: unknown[];
}

describe('ctxpress compress', () => {
  it('reads stdin and prints only the compressed text', async () => {
    const input = PARAGRAPH.repeat(4);
    const { code, stdout, stderr } = await cli(['compress', '--tokens', '40', '--query', 'When did the fire happen?'], { stdin: input });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(0);
    expect(stdout.length).toBeLessThan(input.length / 2);
    expect(stdout).toContain('1901');
  });

  it('--format json prints the whole result, within the budget', async () => {
    const { code, stdout } = await cli(['compress', '--ratio', '4', '--format', 'json'], { stdin: PARAGRAPH.repeat(6) });
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as JsonResult;
    expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
    expect(result.tokens.budget).toBe(Math.floor(result.tokens.original / 4));
    expect(result.units).toBeUndefined();
  });

  it('answers the sample question from the sample document at ratio 4', async () => {
    const { code, stdout } = await cli(['compress', SAMPLE, '--query', QUESTION, '--ratio', '4', '--format', 'json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as JsonResult;
    expect(result.sources[0]?.id).toBe(SAMPLE);
    expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
    expect(result.text).toContain(ANSWER);
  });

  it('several FILEs are several documents, each with its path as id', async () => {
    const dir = tempDir();
    const first = join(dir, 'harbour.txt');
    const second = join(dir, 'forest.txt');
    writeFileSync(first, PARAGRAPH.repeat(2));
    writeFileSync(second, 'The forest covers most of the hills. Its oldest oak is four hundred years old. '.repeat(3));
    const { code, stdout } = await cli(['compress', first, second, '--tokens', '60', '--format', 'json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as JsonResult;
    expect(result.sources.map((source) => source.id)).toEqual([first, second]);
    expect(result.tokens.compressed).toBeLessThanOrEqual(60);
  });

  it('--cache DIR stores per-document work on disk and gives the same output on a second run', async () => {
    const dir = tempDir();
    const cacheDir = join(dir, 'cache');
    const withoutTimings = (stdout: string): unknown => {
      const { timings, ...rest } = JSON.parse(stdout) as { timings?: unknown };
      void timings;
      return rest;
    };
    const argv = ['compress', SAMPLE, '--query', QUESTION, '--ratio', '4', '--format', 'json'];
    const plain = await cli(argv);
    const cold = await cli([...argv, '--cache', cacheDir]);
    expect(cold.code).toBe(0);
    expect(readdirSync(cacheDir, { recursive: true }).length).toBeGreaterThan(0);
    const warm = await cli([...argv.slice(0, 3), 'How does the rover talk to Earth?', ...argv.slice(4), '--cache', cacheDir]);
    const warmPlain = await cli([...argv.slice(0, 3), 'How does the rover talk to Earth?', ...argv.slice(4)]);
    expect(warm.code).toBe(0);
    expect(withoutTimings(cold.stdout)).toEqual(withoutTimings(plain.stdout));
    expect(withoutTimings(warm.stdout)).toEqual(withoutTimings(warmPlain.stdout));
  });

  it.skipIf(skipRedisTests())('--cache redis://… shares per-document work through Redis; a Redis that is down only costs a note on stderr', async () => {
    const redis = await startRedisServer(); // fails with "apt-get install -y redis-server" when it is missing
    try {
      const withoutTimings = (stdout: string): unknown => {
        const { timings, ...rest } = JSON.parse(stdout) as { timings?: unknown };
        void timings;
        return rest;
      };
      const argv = ['compress', SAMPLE, '--query', QUESTION, '--ratio', '4', '--format', 'json'];
      const plain = await cli(argv);
      const cold = await cli([...argv, '--cache', redis.url]);
      expect(cold.code).toBe(0);
      expect(cold.stderr).toBe('');
      expect(withoutTimings(cold.stdout)).toEqual(withoutTimings(plain.stdout));
      expect(Number((await redisCommand(redis.port, ['DBSIZE']))?.slice(1))).toBeGreaterThan(0);
      const warm = await cli([...argv, '--cache', redis.url]);
      expect(withoutTimings(warm.stdout)).toEqual(withoutTimings(plain.stdout));
      const down = await cli([...argv, '--cache', `redis://127.0.0.1:${await freePort()}`]);
      expect(down.code).toBe(0);
      expect(withoutTimings(down.stdout)).toEqual(withoutTimings(plain.stdout));
      expect(down.stderr).toMatch(/^ctxpress: cache: .*ECONNREFUSED.*\(compressing without it\)\n$/);
    } finally {
      await redis.stop();
    }
  });

  it('--documents reads a JSON array; titles count in the offsets', async () => {
    const dir = tempDir();
    const path = join(dir, 'docs.json');
    writeFileSync(
      path,
      JSON.stringify([
        { id: 'h', title: 'Harbour', text: PARAGRAPH },
        { id: 'f', title: 'Forest', text: 'The forest covers most of the hills. Its oldest oak is four hundred years old.' },
      ]),
    );
    const { code, stdout } = await cli(['compress', '--documents', path, '--query', 'How old is the oak?', '--tokens', '30', '--format', 'json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as JsonResult;
    expect(result.sources.map((source) => source.id)).toEqual(['h', 'f']);
    expect(result.text).toContain('four hundred years');
  });

  it('--keep forces a /regex/ match and a literal string into the output', async () => {
    const base = ['compress', '--tokens', '20', '--query', 'When did the fire happen?'];
    const without = await cli(base, { stdin: PARAGRAPH });
    expect(without.stdout).not.toContain('summer ferry');
    expect(without.stdout).not.toContain('ship models');
    const regex = await cli([...base, '--keep', '/summer \\w+/'], { stdin: PARAGRAPH });
    expect(regex.code).toBe(0);
    expect(regex.stdout).toContain('summer ferry');
    const literal = await cli([...base, '--keep', 'ship models'], { stdin: PARAGRAPH });
    expect(literal.code).toBe(0);
    expect(literal.stdout).toContain('ship models');
  });

  it('--explain on a non-TTY shows [-dropped-] markers and the summary, without ANSI codes', async () => {
    const { code, stdout } = await cli(['compress', SAMPLE, '--query', QUESTION, '--ratio', '4', '--explain']);
    expect(code).toBe(0);
    expect(stdout).toContain('[-');
    expect(stdout).toContain(ANSWER);
    expect(stdout).not.toContain('\x1b[');
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^tokens \d+ → \d+ \(budget \d+\) · ratio \d+\.\d\dx · kept \d+ spans?, dropped \d+ · \d+\.\d ms$/);
  });

  it('--explain on a TTY uses dim + strike-through, unless NO_COLOR is set', async () => {
    const colored = await cli(['compress', '--ratio', '3', '--explain'], { stdin: PARAGRAPH.repeat(3), tty: true });
    expect(colored.stdout).toContain('\x1b[2m\x1b[9m');
    const plain = await cli(['compress', '--ratio', '3', '--explain'], { stdin: PARAGRAPH.repeat(3), tty: true, env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).toContain('[-');
  });

  it('--explain with --format json adds per-unit reports', async () => {
    const { stdout } = await cli(['compress', '--ratio', '2', '--explain', '--format', 'json'], { stdin: PARAGRAPH });
    const result = JSON.parse(stdout) as JsonResult;
    expect(Array.isArray(result.units)).toBe(true);
    expect(result.units?.length).toBeGreaterThan(0);
  });

  it('--separator (with \\n escapes understood) goes between non-adjacent kept sentences', async () => {
    const input =
      'Zebras graze on the eastern plain. The river floods every spring. Farmers plant barley in April. ' +
      'The market opens on Saturdays. A new school was built last year. The bridge was painted green. ' +
      'Swallows return in May. Giraffes browse the acacia trees near the lake.';
    const argv = ['compress', '--query', 'zebras giraffes', '--tokens', '25', '--separator', '\\n---\\n'];
    const { code, stdout } = await cli(argv, { stdin: input });
    expect(code).toBe(0);
    expect(stdout).toBe('Zebras graze on the eastern plain.\n---\nGiraffes browse the acacia trees near the lake.\n');
  });

  describe('usage errors exit 2 with a message on stderr and nothing on stdout', () => {
    it.each([
      [['compress'], /a budget is required/],
      [['compress', '--tokens', '5', '--ratio', '2'], /either --tokens N or --ratio R, not both/],
      [['compress', '--tokens', 'abc'], /argument 'abc' is invalid/],
      [['compress', '--tokens', '0'], /expected a positive integer/],
      [['compress', '--ratio', '0.5'], /expected a number ≥ 1/],
      [['compress', '--tokens', '5', '--prune', '2'], /expected a number between 0 and 1/],
      [['compress', '--tokens', '5', '--unknown'], /unknown option '--unknown'/],
      [['compress', '--tokens', '5', '--format', 'yaml'], /Allowed choices are text, json/],
      [['compress', '--tokens', '5', '--input-format', 'html'], /Allowed choices are auto, text, markdown, chat, json, logs, code/],
      [['compress', '--tokens', '5', '--keep', '/(/'], /invalid regular expression/],
      [['compress', 'a.md', '--documents', 'd.json', '--tokens', '5'], /FILE arguments or --documents/],
      [['compress', '--tokens', '5', '--cache', 'redis://'], /--cache: not a Redis URL/],
      [['compress', '--tokens', '5', '--cache', 'memory'], /--cache takes a directory/],
      [['compres'], /unknown command 'compres'/],
      [['batch'], /missing required argument 'input'/],
      [[], /Usage: ctxpress/],
    ])('%j', async (argv, message) => {
      const { code, stdout, stderr } = await cli(argv, { stdin: 'Some text.' });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    });

    it('no input at all on a terminal', async () => {
      const { code, stderr } = await cli(['compress', '--tokens', '5']);
      expect(code).toBe(2);
      expect(stderr).toMatch(/no input/);
    });
  });

  describe('runtime errors exit 1 with "ctxpress: <code>: <message>"', () => {
    it('a library error (unknown tokenizer)', async () => {
      const { code, stdout, stderr } = await cli(['compress', '--tokens', '5', '--tokenizer', 'no-such-tokenizer'], { stdin: PARAGRAPH });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^ctxpress: UNKNOWN_TOKENIZER: .+\n$/);
    });

    it('a library error (kept text alone exceeds the budget)', async () => {
      const { code, stdout, stderr } = await cli(['compress', '--tokens', '10', '--keep', 'customs house'], { stdin: PARAGRAPH.repeat(3) });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^ctxpress: BUDGET_UNSATISFIABLE: /);
    });

    it('a library error (invalid document)', async () => {
      const path = join(tempDir(), 'docs.json');
      writeFileSync(path, JSON.stringify([{ id: 'a', text: 42 }]));
      const { code, stderr } = await cli(['compress', '--documents', path, '--tokens', '5']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^ctxpress: INVALID_INPUT: documents\[0\]\.text/);
    });

    it('--time-limit: a compression over the limit is a TIME_LIMIT error; the same run without it succeeds', async () => {
      const stdin = PARAGRAPH.repeat(400);
      const limited = await cli(['compress', '--ratio', '4', '--time-limit', '0.001'], { stdin });
      expect(limited.code).toBe(1);
      expect(limited.stdout).toBe('');
      expect(limited.stderr).toMatch(/^ctxpress: TIME_LIMIT: compression stopped after \d+ ms \(options\.timeLimitMs is 0\.001\)/);
      const logs = await cli(['compress', '--ratio', '4', '--input-format', 'logs', '--time-limit', '0.001'], { stdin: 'INFO ok 1\nERROR bad 2\n'.repeat(2000) });
      expect(logs.code).toBe(1);
      expect(logs.stderr).toMatch(/^ctxpress: TIME_LIMIT: /);
      expect((await cli(['compress', '--ratio', '4'], { stdin })).code).toBe(0);
    });

    it('a missing file', async () => {
      const { code, stderr } = await cli(['compress', '/no/such/file.md', '--tokens', '5']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^ctxpress: cannot read \/no\/such\/file\.md: ENOENT/);
    });

    it('a --documents file that is not JSON', async () => {
      const path = join(tempDir(), 'docs.json');
      writeFileSync(path, '[{"text": ');
      const { code, stderr } = await cli(['compress', '--documents', path, '--tokens', '5']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/not valid JSON/);
    });
  });
});

describe('help and version', () => {
  it('ctxpress --help lists the commands on stdout, exit 0', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/compress \[options\] \[files\.\.\.\]/);
    expect(stdout).toMatch(/batch \[options\] <input>/);
  });

  it('ctxpress compress --help lists every flag', async () => {
    const { code, stdout } = await cli(['compress', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--query', '--tokens', '--ratio', '--tokenizer', '--keep', '--input-format', '--format', '--documents', '--separator', '--prune', '--explain', '--time-limit']) {
      expect(stdout).toContain(flag);
    }
  });

  it('--time-limit: a generous limit changes nothing; a limit that is not a number > 0 is a usage error', async () => {
    const stdin = PARAGRAPH.repeat(20);
    const plain = await cli(['compress', '--ratio', '4', '--query', 'fire', '--format', 'json'], { stdin });
    const limited = await cli(['compress', '--ratio', '4', '--query', 'fire', '--format', 'json', '--time-limit', '60000'], { stdin });
    expect(limited.code).toBe(0);
    const strip = (text: string): unknown => ({ ...(JSON.parse(text) as Record<string, unknown>), timings: undefined });
    expect(strip(limited.stdout)).toEqual(strip(plain.stdout));
    for (const bad of ['0', '-5', 'abc', 'Infinity']) {
      const { code, stderr } = await cli(['compress', '--ratio', '4', '--time-limit', bad], { stdin });
      expect(code).toBe(2);
      expect(stderr).toMatch(/--time-limit/);
    }
    expect((await cli(['batch', '-', '--time-limit', '0'], { stdin: '' })).code).toBe(2);
  });

  it('ctxpress --version prints the package version', async () => {
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
