/**
 * One size of the speed suite, in its own process so `maxRSS` is this size's peak. Builds the input from the text pool,
 * warms up on a different input of the same size (once; repeated up to WARMUP_MS for small inputs), then times compress() and tokenizer.count() alternately.
 * @module
 */
import { readFileSync } from 'node:fs';
import { compress, getTokenizer } from '@ctxpress/node';
import { adversarialText, assemble, type SpeedChildArguments, type SpeedChildResult, type TextPool } from './speed.js';

const WARMUP_MS = 500;
const WARMUP_MAX_CALLS = 50;

const forceGc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);
/**
 * A full GC, then a pause so that V8's concurrent sweeping of it finishes before the clock starts: otherwise whatever
 * allocates first pays for sweeping the benchmark's own forced GC (seen as 30–40 ms stalls inside compress() stages).
 */
const collect = async (): Promise<void> => {
  forceGc();
  await new Promise((resolve) => setTimeout(resolve, 25));
};

async function main(): Promise<SpeedChildResult> {
  const args = JSON.parse(process.argv[2] ?? '{}') as SpeedChildArguments;
  const tokenizer = await getTokenizer(args.input?.tokenizer ?? 'o200k_base');
  const pool = JSON.parse(readFileSync(args.poolFile, 'utf8')) as TextPool;
  const adversarial = args.input;
  const input = adversarial === undefined ? assemble(pool.blocks, 0, args.targetTokens, tokenizer) : adversarialText(adversarial, 2, pool.blocks);
  const warmup =
    adversarial === undefined
      ? assemble(pool.blocks, Math.floor(pool.blocks.length / 2), args.targetTokens, tokenizer)
      : adversarialText(adversarial, 0, pool.blocks);
  // Adversarial inputs: a fresh variant for every timed call (tokenize on 2r + 3, compress on 2r + 4), so the
  // tokenizer's table of pieces never answers for a long piece it saw before: these are cold-piece times.
  const variant = (k: number): string => (adversarial === undefined ? input : adversarialText(adversarial, k, pool.blocks));
  const inputTokens = tokenizer.count(input);
  await collect();
  const baselineRssKB = process.resourceUsage().maxRSS;
  const options = { budget: { ratio: args.ratio }, query: pool.query, tokenizer };

  // Warm-up on a different input of the same size: once, and repeated for small inputs until the JIT has seen
  // WARMUP_MS of work, so a 1k input is not timed on cold code.
  const warmupStart = performance.now();
  for (let call = 0; call < WARMUP_MAX_CALLS; call++) {
    await compress(warmup, options);
    tokenizer.count(warmup);
    if (performance.now() - warmupStart >= WARMUP_MS) break;
  }

  const compressMs: number[] = [];
  const tokenizeMs: number[] = [];
  const timings: Record<string, number>[] = [];
  let budgetTokens = 0;
  let outputTokens = 0;
  for (let run = 0; run < args.runs; run++) {
    const counted = variant(2 * run + 3);
    const compressed = variant(2 * run + 4);
    await collect();
    let start = performance.now();
    tokenizer.count(counted);
    tokenizeMs.push(performance.now() - start);
    await collect();
    start = performance.now();
    const result = await compress(compressed, options);
    compressMs.push(performance.now() - start);
    timings.push({ ...result.timings });
    budgetTokens = result.tokens.budget;
    outputTokens = result.tokens.compressed;
  }
  return {
    inputTokens,
    inputChars: input.length,
    budgetTokens,
    outputTokens,
    compressMs,
    tokenizeMs,
    timings,
    peakRssKB: process.resourceUsage().maxRSS,
    baselineRssKB,
  };
}

const send = (message: unknown): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    } else process.send(message, () => resolve());
  });

main().then(
  async (result) => {
    await send({ ok: true, result });
    process.exit(0);
  },
  async (error: unknown) => {
    await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
