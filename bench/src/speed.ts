/**
 * Speed suite: end-to-end compress() time and peak RSS per input size, each size in its own child process, next to the
 * time to tokenize the same input once. Then the adversarial inputs (`ADVERSARIAL`): an unbroken run of one letter and
 * CJK text without punctuation, each beside ordinary prose (long pre-tokenizer pieces used to make tokenization
 * quadratic with o200k_base and slow with Llama 3; see docs/decisions/0002-one-pass-token-counting.md).
 * @module
 */
import { fork } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fullText, loadTask, listTaskFiles, type Task } from './data.js';
import { seededShuffle } from './baselines.js';
import { median } from './metrics.js';
import type { Tokenizer } from '@ctxpress/core';

/** Real prose to cut inputs from, and a query from the data. */
export interface TextPool {
  readonly blocks: readonly string[];
  readonly query: string;
  /** Where each block comes from, for the report. */
  readonly sources: readonly string[];
}

/**
 * Distinct contexts from the data files: the longest Paul Graham haystack first (its needle matches the query), then the
 * SQuAD articles, then QMSum meetings, LoCoMo conversations and HotpotQA paragraphs in a seeded shuffle.
 */
export function buildTextPool(directory: string): TextPool {
  const tasks = new Map<string, Task>();
  for (const file of listTaskFiles(directory)) {
    const task = loadTask(file);
    tasks.set(task.kind, task);
  }
  const distinct = (task: Task | undefined): string[] => [...new Set((task?.examples ?? []).map((example) => fullText(example)))];

  const needles = tasks.get('needle')?.examples ?? [];
  const haystack = [...needles].filter((example) => example.id.startsWith('niah-sf')).sort((a, b) => fullText(b).length - fullText(a).length)[0] ?? needles[0];
  const query = haystack?.question ?? tasks.get('qa')?.examples[0]?.question ?? 'What is the main point?';

  const lead: string[] = [];
  const sources: string[] = [];
  if (haystack !== undefined) {
    lead.push(fullText(haystack));
    sources.push(`needle:${haystack.id}`);
  }
  for (const article of distinct(tasks.get('qa'))) {
    lead.push(article);
    sources.push('qa:squad_article');
  }
  const rest: { text: string; source: string }[] = [];
  for (const kind of ['meeting', 'conversation'] as const) for (const text of distinct(tasks.get(kind))) rest.push({ text, source: kind });
  const paragraphs = new Map<string, string>();
  for (const example of tasks.get('multihop')?.examples ?? []) {
    for (const document of example.documents ?? []) paragraphs.set(document.title, `${document.title}\n${document.text}`);
  }
  // HotpotQA paragraphs are short; group them ten at a time so blocks are of a similar order of size.
  const paragraphList = [...paragraphs.values()];
  for (let i = 0; i < paragraphList.length; i += 10) rest.push({ text: paragraphList.slice(i, i + 10).join('\n\n'), source: 'multihop' });
  const order = seededShuffle(rest.length, 0x5eed);
  for (const index of order) {
    const block = rest[index];
    if (block === undefined) continue;
    lead.push(block.text);
    sources.push(block.source);
  }
  return { blocks: lead, query, sources };
}

/** Blocks from `start` on (cycling), joined by blank lines, cut so the whole is about `target` tokens. */
export function assemble(blocks: readonly string[], start: number, target: number, tokenizer: Tokenizer): string {
  const parts: string[] = [];
  let tokens = 0;
  const joinTokens = tokenizer.count('\n\n');
  for (let i = start; tokens < target && blocks.length > 0; i++) {
    const block = blocks[i % blocks.length] ?? '';
    const joinCost = parts.length === 0 ? 0 : joinTokens;
    const blockTokens = tokenizer.count(block);
    if (tokens + joinCost + blockTokens <= target) {
      parts.push(block);
      tokens += joinCost + blockTokens;
      continue;
    }
    parts.push(prefixWithin(block, target - tokens - joinCost, tokenizer));
    break;
  }
  return parts.join('\n\n');
}

/** The longest prefix of `text`, cut at whitespace, with at most `tokens` tokens. */
function prefixWithin(text: string, tokens: number, tokenizer: Tokenizer): string {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (tokenizer.count(text.slice(0, middle)) <= tokens) low = middle;
    else high = middle - 1;
  }
  const cut = text.slice(0, low);
  const space = cut.search(/\s\S*$/);
  return space > 0 ? cut.slice(0, space) : cut;
}

export interface SpeedRow {
  /** For the adversarial rows, the input's measured token count. */
  readonly targetTokens: number;
  /** Adversarial rows only: what the input is (`prose`, `run` or `cjk`), its length in characters, its tokenizer. */
  readonly input?: AdversarialInput;
  /** Adversarial rows only: compressMs and tokenizeMs per character over those of the group's prose (target ≤ 3). */
  readonly compressVsProse?: number;
  readonly tokenizeVsProse?: number;
  /** The same per input token (CJK has several times the tokens of English prose of the same length). */
  readonly compressVsProsePerToken?: number;
  readonly tokenizeVsProsePerToken?: number;
  readonly status: 'ok' | 'timeout' | 'error';
  readonly error?: string;
  readonly inputTokens?: number;
  readonly inputChars?: number;
  readonly budgetTokens?: number;
  readonly outputTokens?: number;
  readonly runs?: number;
  /** Median compress() wall time. */
  readonly compressMs?: number;
  readonly compressMsAll?: readonly number[];
  /** Median time of `tokenizer.count(wholeText)`. */
  readonly tokenizeMs?: number;
  readonly tokenizeMsAll?: readonly number[];
  /** compressMs / tokenizeMs (target ≤ 3 at 100k). */
  readonly compressToTokenize?: number;
  readonly compressTokensPerSecond?: number;
  readonly tokenizeTokensPerSecond?: number;
  /** `process.resourceUsage().maxRSS` of the child at the end (MB); target < 1 GB at 1M. */
  readonly peakRssMB?: number;
  /** maxRSS after loading the tokenizer and building the inputs, before any compress() (MB). */
  readonly baselineRssMB?: number;
  /** Median ms per stage from `result.timings`. */
  readonly stageMs?: Readonly<Record<string, number>>;
}

/** What the child process sends back. */
export interface SpeedChildResult {
  readonly inputTokens: number;
  readonly inputChars: number;
  readonly budgetTokens: number;
  readonly outputTokens: number;
  readonly compressMs: readonly number[];
  readonly tokenizeMs: readonly number[];
  readonly timings: readonly Readonly<Record<string, number>>[];
  readonly peakRssKB: number;
  readonly baselineRssKB: number;
}

export interface SpeedChildArguments {
  readonly poolFile: string;
  readonly targetTokens: number;
  readonly runs: number;
  readonly ratio: number;
  /** Instead of `targetTokens` of prose: an input of this kind and length, a fresh one for every timed call. */
  readonly input?: AdversarialInput;
}

/** An input of `chars` characters: prose from the pool, an unbroken run of one letter, or CJK without punctuation. */
export interface AdversarialInput {
  readonly kind: 'prose' | 'run' | 'cjk';
  readonly chars: number;
  /** The tokenizer compress() and count() use; o200k_base when absent. */
  readonly tokenizer?: 'llama3';
}

/**
 * Groups of inputs: prose first, then adversarial inputs compared with it per character (the cases: 1 MB of
 * `a`, 126k CJK characters). With o200k_base each beside prose of the same length; with Llama 3 (@lenml, several
 * times slower on every input) both beside 126k characters of prose, and three runs each, to keep the suite short.
 */
export const ADVERSARIAL: readonly (readonly AdversarialInput[])[] = [
  [
    { kind: 'prose', chars: 1_000_000 },
    { kind: 'run', chars: 1_000_000 },
  ],
  [
    { kind: 'prose', chars: 126_000 },
    { kind: 'cjk', chars: 126_000 },
  ],
  [
    { kind: 'prose', chars: 126_000, tokenizer: 'llama3' },
    { kind: 'cjk', chars: 126_000, tokenizer: 'llama3' },
    { kind: 'run', chars: 1_000_000, tokenizer: 'llama3' },
  ],
];

/**
 * The 464 most frequent Chinese characters: CJK text drawn from them has about one o200k token per character, as
 * real Chinese text does (uniformly random ideographs have about two).
 */
const COMMON_HANZI =
  '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴念';

/**
 * Variant `variant` of an adversarial input; variants differ, so no call is answered from a table filled by an earlier
 * one (prose: the pool read from a different block; run: a different letter; CJK: a different seed).
 */
export function adversarialText(input: AdversarialInput, variant: number, blocks: readonly string[]): string {
  if (input.kind === 'run') return String.fromCharCode(97 + (variant % 26)).repeat(input.chars);
  if (input.kind === 'cjk') {
    let seed = (variant + 1) * 0x9e3779b1;
    const codes = new Uint16Array(input.chars);
    for (let i = 0; i < codes.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      codes[i] = COMMON_HANZI.charCodeAt((seed >>> 8) % COMMON_HANZI.length);
    }
    let text = '';
    for (let i = 0; i < codes.length; i += 8192) text += String.fromCharCode(...codes.subarray(i, i + 8192));
    return text;
  }
  const parts: string[] = [];
  let length = 0;
  for (let i = variant * 7; length < input.chars && blocks.length > 0; i++) {
    const block = blocks[i % blocks.length] ?? '';
    length += block.length + (parts.length > 0 ? 2 : 0);
    parts.push(block);
  }
  return parts.join('\n\n').slice(0, input.chars);
}

export interface SpeedRunOptions {
  readonly dataDirectory: string;
  readonly sizes: readonly number[];
  readonly temporaryDirectory: string;
  /** Per size, in seconds. */
  readonly timeoutSeconds: number;
  readonly onSize?: (row: SpeedRow) => void;
  /** Also run the adversarial inputs (`ADVERSARIAL`); default true. */
  readonly adversarial?: boolean;
}

export const SPEED_RATIO = 10;

export function runsFor(targetTokens: number): number {
  return targetTokens >= 1_000_000 ? 3 : 5;
}

export async function runSpeed(options: SpeedRunOptions): Promise<{ rows: SpeedRow[]; query: string }> {
  const pool = buildTextPool(options.dataDirectory);
  const poolFile = join(options.temporaryDirectory, 'speed-pool.json');
  writeFileSync(poolFile, JSON.stringify(pool));
  const rows: SpeedRow[] = [];
  try {
    for (const targetTokens of options.sizes) {
      const row = await runSize({ poolFile, targetTokens, runs: runsFor(targetTokens), ratio: SPEED_RATIO }, options.timeoutSeconds);
      rows.push(row);
      options.onSize?.(row);
    }
    for (const group of options.adversarial === false ? [] : ADVERSARIAL) {
      let prose: SpeedRow | undefined;
      for (const input of group) {
        const runs = input.chars >= 1_000_000 || input.tokenizer !== undefined ? 3 : 5;
        const row = await runSize({ poolFile, targetTokens: 0, runs, ratio: SPEED_RATIO, input }, options.timeoutSeconds);
        // per character, so that inputs of another length than the group's prose compare too
        const chars = (r: SpeedRow): number => r.inputChars!;
        const compared =
          input.kind === 'prose' || prose?.status !== 'ok' || row.status !== 'ok'
            ? row
            : {
                ...row,
                compressVsProse: row.compressMs! / chars(row) / (prose.compressMs! / chars(prose)),
                tokenizeVsProse: row.tokenizeMs! / chars(row) / (prose.tokenizeMs! / chars(prose)),
                compressVsProsePerToken: row.compressMs! / row.inputTokens! / (prose.compressMs! / prose.inputTokens!),
                tokenizeVsProsePerToken: row.tokenizeMs! / row.inputTokens! / (prose.tokenizeMs! / prose.inputTokens!),
              };
        if (input.kind === 'prose') prose = row;
        rows.push(compared);
        options.onSize?.(compared);
      }
    }
  } finally {
    rmSync(poolFile, { force: true });
  }
  return { rows, query: pool.query };
}

function runSize(args: SpeedChildArguments, timeoutSeconds: number): Promise<SpeedRow> {
  return new Promise((resolve) => {
    const child = fork(new URL('./speed-child.js', import.meta.url), [JSON.stringify(args)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    const settle = (row: SpeedRow): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(row);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({ targetTokens: args.targetTokens, ...inputOf(args), status: 'timeout', error: `no result within ${timeoutSeconds} s` });
    }, timeoutSeconds * 1000);
    child.on('message', (message: { ok: true; result: SpeedChildResult } | { ok: false; error: string }) => {
      settle(message.ok ? toRow(args, message.result) : { targetTokens: args.targetTokens, ...inputOf(args), status: 'error', error: message.error });
    });
    child.on('exit', (code, signal) => {
      settle({ targetTokens: args.targetTokens, ...inputOf(args), status: 'error', error: `child exited (code ${code}, signal ${signal}) without a result` });
    });
  });
}

const inputOf = (args: SpeedChildArguments): { input?: AdversarialInput } => (args.input === undefined ? {} : { input: args.input });

function toRow(args: SpeedChildArguments, result: SpeedChildResult): SpeedRow {
  const compressMs = median(result.compressMs) ?? Number.NaN;
  const tokenizeMs = median(result.tokenizeMs) ?? Number.NaN;
  const stages = new Set(result.timings.flatMap((timings) => Object.keys(timings)));
  const stageMs: Record<string, number> = {};
  for (const stage of stages) {
    stageMs[stage] = median(result.timings.flatMap((timings) => (timings[stage] === undefined ? [] : [timings[stage]]))) ?? Number.NaN;
  }
  return {
    targetTokens: args.input === undefined ? args.targetTokens : result.inputTokens,
    ...inputOf(args),
    status: 'ok',
    inputTokens: result.inputTokens,
    inputChars: result.inputChars,
    budgetTokens: result.budgetTokens,
    outputTokens: result.outputTokens,
    runs: result.compressMs.length,
    compressMs,
    compressMsAll: result.compressMs,
    tokenizeMs,
    tokenizeMsAll: result.tokenizeMs,
    compressToTokenize: compressMs / tokenizeMs,
    compressTokensPerSecond: (result.inputTokens / compressMs) * 1000,
    tokenizeTokensPerSecond: (result.inputTokens / tokenizeMs) * 1000,
    peakRssMB: result.peakRssKB / 1024,
    baselineRssMB: result.baselineRssKB / 1024,
    stageMs,
  };
}
