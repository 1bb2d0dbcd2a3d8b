/**
 * `@ctxpress/openai-agents`: a `callModelInputFilter` for the OpenAI Agents SDK (`@openai/agents`) that compresses the
 * model input of every turn to a token budget before the model sees it.
 *
 * ```ts
 * await run(agent, input, { callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 4000 } }) });
 * ```
 *
 * There is no compression logic here: the Agents SDK's input items are the OpenAI Responses API's items in camelCase
 * (`callId`, `function_call_result`), so each item is shown to `compressChat` of `@ctxpress/node` as the Responses item
 * it stands for (format `openai-responses`, see `responsesView`), and what comes back is written into the SDK's item.
 * @module
 */
import { CtxpressError, isCtxpressError, resolveBudget } from '@ctxpress/core';
import type { Budget, ChatCompressionResult, Tokenizer } from '@ctxpress/core';
import { compressChat, countChatTokens, getTokenizer, resolveTokenizerName } from '@ctxpress/node';
import type { AgentInputItem, CallModelInputFilter, CallModelInputFilterArgs, ModelInputData } from '@openai/agents';

export type { AgentInputItem, CallModelInputFilter, ModelInputData } from '@openai/agents';

/** What one model call's filter did: passed to `onCompressed`. */
export interface CtxpressStats {
  /**
   * `relevance` (compressChat ran; when the input already fitted the budget it is sent unchanged), `skipped` (at or
   * under `whenOverTokens`: sent untouched), `fail-open` (compression failed: the original input was sent, see `error`).
   */
  readonly mode: ChatCompressionResult['mode'] | 'skipped' | 'fail-open';
  /** Name of the agent whose model call this was. */
  readonly agent: string;
  /** Canonical tokenizer name the counts are in (`o200k_base`, `cl100k_base`, `llama3`, `qwen3`, or a custom tokenizer's name). */
  readonly tokenizer: string;
  /** Input tokens as compressChat counts them (instructions + item text + tool-call arguments + 4 per item); null only when the input could not be read. */
  readonly originalTokens: number | null;
  /** Tokens of the input that was sent (the original's on `skipped` / `fail-open`). */
  readonly compressedTokens: number | null;
  /** The budget in tokens (absent when nothing was compressed). */
  readonly budget?: number;
  /** originalTokens / compressedTokens (1 when nothing was cut). */
  readonly ratio: number;
  /** Milliseconds spent in the filter (tokenizer load, count, compression). */
  readonly ms: number;
  /** Why compression failed (mode `fail-open`): a CtxpressError code (BUDGET_UNSATISFIABLE, INVALID_INPUT, …) or `UNEXPECTED`. */
  readonly error?: { readonly code: string; readonly message: string };
}

export interface CtxpressInputFilterOptions {
  /** Over the input's tokens (instructions included): `{ tokens: N }` (N ≥ 1) or `{ ratio: R }` (R ≥ 1, 4 = a quarter). */
  readonly budget: Budget;
  /**
   * A tokenizer or model name (`o200k_base`, `cl100k_base`, `llama3`, `qwen3`, `gpt-4o`, …) or a Tokenizer object.
   * Default: derived from the agent's model name (`resolveTokenizerName(agent.model)`) when it is a known one, else
   * `o200k_base` (also when the agent's model is a `Model` object).
   */
  readonly tokenizer?: string | Tokenizer;
  /** What the input is scored against. Default: compressChat's (the latest user request, its question part when long, plus the tool-call arguments since). */
  readonly query?: string;
  /** Inputs of at most this many tokens are passed through untouched (the same modelData object). Default: none. */
  readonly whenOverTokens?: number;
  /** Text that must survive: every match (strings literally) is kept whole. */
  readonly keep?: readonly (string | RegExp)[];
  /** The last N user turns are kept whole when they fit (compressChat's `keepLastTurns`, default 4). */
  readonly keepLastTurns?: number;
  /** Fixed token cost of each image, file or audio part (passed through untouched). Default 1000. */
  readonly mediaTokens?: number;
  /**
   * Default true: when compression fails (e.g. BUDGET_UNSATISFIABLE because the instructions and the question alone are
   * over the budget), the original input is sent and the failure is reported in the stats (`mode: 'fail-open'`,
   * `error`). false: the run rejects with the CtxpressError instead, before the model is called.
   */
  readonly failOpen?: boolean;
  /** Called once per model call (each turn of a run) with the statistics, before the model is called. */
  readonly onCompressed?: (stats: CtxpressStats) => void;
}

function option(message: string): CtxpressError {
  return new CtxpressError('INVALID_OPTION', message);
}

const wholeNumber = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Validates the options: a CtxpressError with a code (INVALID_OPTION, INVALID_BUDGET, UNKNOWN_TOKENIZER). */
function checkOptions(options: CtxpressInputFilterOptions): void {
  if (typeof options !== 'object' || options === null) throw option('ctxpressInputFilter needs options: { budget: { tokens } | { ratio }, … }.');
  resolveBudget(options.budget, 1); // INVALID_BUDGET for a missing or bad budget
  const { tokenizer, query, whenOverTokens, keep, keepLastTurns, mediaTokens, failOpen, onCompressed } = options;
  if (typeof tokenizer === 'string') {
    if (resolveTokenizerName(tokenizer) === undefined) {
      throw new CtxpressError(
        'UNKNOWN_TOKENIZER',
        `Unknown tokenizer "${tokenizer}". Use o200k_base, cl100k_base, llama3, qwen3, a model name such as gpt-4o, or a Tokenizer object.`,
      );
    }
  } else if (tokenizer !== undefined && (typeof tokenizer !== 'object' || tokenizer === null || typeof tokenizer.count !== 'function')) {
    throw option('options.tokenizer must be a tokenizer or model name, or a Tokenizer { name, count(text) }.');
  }
  if (query !== undefined && typeof query !== 'string') throw option('options.query must be a string.');
  if (whenOverTokens !== undefined && !wholeNumber(whenOverTokens))
    throw option(`options.whenOverTokens must be a whole number ≥ 0, got ${JSON.stringify(whenOverTokens)}.`);
  if (keep !== undefined && (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string' || k instanceof RegExp))) {
    throw option('options.keep must be an array of strings or regular expressions.');
  }
  if (keepLastTurns !== undefined && !wholeNumber(keepLastTurns))
    throw option(`options.keepLastTurns must be a whole number ≥ 0, got ${JSON.stringify(keepLastTurns)}.`);
  if (mediaTokens !== undefined && !wholeNumber(mediaTokens))
    throw option(`options.mediaTokens must be a whole number ≥ 0, got ${JSON.stringify(mediaTokens)}.`);
  if (failOpen !== undefined && typeof failOpen !== 'boolean') throw option('options.failOpen must be a boolean.');
  if (onCompressed !== undefined && typeof onCompressed !== 'function') throw option('options.onCompressed must be a function.');
}

type Item = Readonly<Record<string, unknown>>;

/** Item types of the SDK that make a client-side call (answered by a result item with the same `callId`) other than `function_call`. */
const OTHER_CALLS: Readonly<Record<string, string>> = { computer_call: 'computer', shell_call: 'shell', apply_patch_call: 'apply_patch', program: 'program' };
/** Result item types that answer them. */
const OTHER_RESULTS = new Set(['computer_call_result', 'shell_call_output', 'apply_patch_call_output', 'program_output']);

/**
 * A function call result's `output` as a Responses `function_call_output` output: a string stays a string, a
 * `{ type: 'text', text }` becomes its text, an array of `input_text` / `input_image` / `input_file` parts stays as it
 * is (only `input_text` is read), an image or file output has no text (an empty array).
 */
function outputView(output: unknown): unknown {
  if (typeof output === 'string' || Array.isArray(output)) return output;
  if (typeof output === 'object' && output !== null && (output as Item)['type'] === 'text') return (output as Item)['text'];
  return [];
}

/**
 * The Responses API item an Agents SDK input item stands for, as `compressChat` reads it (format `openai-responses`).
 * Messages (user, assistant, system) and reasoning and other items already have the Responses shape and are shown as
 * they are. `function_call` / `function_call_result` become `function_call` / `function_call_output` (`call_id`); the
 * other client-side call pairs (computer, shell, apply_patch, program) become a call that is kept verbatim and a result
 * with no text, so they stay paired and are never cut (their payload counts 0 tokens, like a Responses `computer_call`).
 * Exported for tests and tools; the filter uses it.
 */
export function responsesView(item: AgentInputItem): unknown {
  const raw = item as Item;
  const type = raw['type'];
  if (type === 'function_call') return { type: 'function_call', call_id: raw['callId'], name: raw['name'], arguments: raw['arguments'] };
  if (type === 'function_call_result') return { type: 'function_call_output', call_id: raw['callId'], output: outputView(raw['output']) };
  if (typeof type === 'string' && type in OTHER_CALLS) return { type: 'custom_tool_call', call_id: raw['callId'], name: OTHER_CALLS[type], input: '' };
  if (typeof type === 'string' && OTHER_RESULTS.has(type)) return { type: 'computer_call_output', call_id: raw['callId'] };
  return item;
}

/** The SDK item `item` with the text compressChat kept in `view` (its Responses view, rebuilt). */
function fromView(item: AgentInputItem, view: unknown): AgentInputItem {
  const raw = item as Item;
  if (raw['type'] === 'function_call_result') {
    const output = (view as Item)['output'];
    const original = raw['output'];
    if (typeof original === 'string' || Array.isArray(original)) return { ...item, output } as AgentInputItem;
    if (typeof original === 'object' && original !== null && (original as Item)['type'] === 'text') {
      return { ...item, output: { ...(original as Item), text: output } } as AgentInputItem;
    }
    return item;
  }
  // messages (the view is the item: compressChat's copy keeps every other field); calls are never changed
  return raw['type'] === undefined || raw['type'] === 'message' ? (view as AgentInputItem) : item;
}

/** The tokenizer name for a call: the option, else the agent's model name when known, else o200k_base. */
function tokenizerNameFor(options: CtxpressInputFilterOptions, model: unknown): string {
  if (typeof options.tokenizer === 'object') return options.tokenizer.name;
  if (options.tokenizer !== undefined) return resolveTokenizerName(options.tokenizer) ?? 'o200k_base';
  return (typeof model === 'string' && model !== '' ? resolveTokenizerName(model) : undefined) ?? 'o200k_base';
}

/** The result of compressing one model input: the modelData to send (the same object when nothing changed) and the statistics. */
export interface CompressedModelInput {
  readonly modelData: ModelInputData;
  readonly stats: CtxpressStats;
}

/**
 * Compresses one model input (`{ input, instructions }`) to the budget: `instructions` count as the system prompt and
 * are never changed; message text and function call results are cut or replaced by a placeholder by relevance;
 * function calls are never changed and never separated from their results; reasoning items stay with the call they
 * precede; images, files and other items are passed through as the input's own objects. The input is not mutated: an
 * item that was cut is a copy, the others are the input's objects; an input that fits comes back as the same object.
 * What the filter runs; exported for use outside a `Runner`. `model` (a model name) picks the default tokenizer.
 * Fails open like the filter (unless `failOpen: false`).
 */
export async function compressModelInput(
  modelData: ModelInputData,
  options: CtxpressInputFilterOptions & { readonly model?: string; readonly agent?: string },
): Promise<CompressedModelInput> {
  checkOptions(options);
  return compress(modelData, options, options.model, options.agent ?? '');
}

async function compress(modelData: ModelInputData, options: CtxpressInputFilterOptions, model: unknown, agent: string): Promise<CompressedModelInput> {
  const start = performance.now();
  const ms = (): number => Math.round((performance.now() - start) * 100) / 100;
  let tokenizerName = tokenizerNameFor(options, model);
  let original: number | null = null;
  let count: (() => number) | undefined;
  try {
    const tokenizer = typeof options.tokenizer === 'object' ? options.tokenizer : await getTokenizer(tokenizerName);
    tokenizerName = tokenizer.name;
    const { input, instructions } = modelData;
    if (!Array.isArray(input)) throw new CtxpressError('INVALID_INPUT', 'modelData.input must be an array of input items.');
    const views = input.map(responsesView);
    const common = {
      tokenizer,
      format: 'openai-responses' as const,
      ...(typeof instructions === 'string' ? { system: instructions } : {}),
      ...(options.mediaTokens !== undefined ? { mediaTokens: options.mediaTokens } : {}),
    };
    count = () => countChatTokens(views, common);
    if (options.whenOverTokens !== undefined) {
      original = count();
      if (original <= options.whenOverTokens) {
        return {
          modelData,
          stats: { mode: 'skipped', agent, tokenizer: tokenizerName, originalTokens: original, compressedTokens: original, ratio: 1, ms: ms() },
        };
      }
    }
    const result = await compressChat(views, {
      ...common,
      budget: options.budget,
      ...(options.query !== undefined ? { query: options.query } : {}),
      ...(options.keep !== undefined ? { keep: options.keep } : {}),
      ...(options.keepLastTurns !== undefined ? { keepLastTurns: options.keepLastTurns } : {}),
    });
    const kept = result.decisions.filter((d) => d.fidelity !== 'dropped');
    if (kept.length !== result.messages.length) throw new CtxpressError('INVALID_INPUT', 'compressChat returned an unexpected number of items.');
    let changed = kept.length !== input.length;
    const out = kept.map((d, k) => {
      const message = result.messages[k];
      if (message === views[d.index]) return input[d.index]!;
      changed = true;
      return fromView(input[d.index]!, message);
    });
    const { compressed, budget } = result.tokens;
    return {
      modelData: changed ? { ...modelData, input: out } : modelData,
      stats: {
        mode: result.mode,
        agent,
        tokenizer: tokenizerName,
        originalTokens: result.tokens.original,
        compressedTokens: compressed,
        budget,
        ratio: Number.isFinite(result.ratio) ? result.ratio : 0,
        ms: ms(),
      },
    };
  } catch (error) {
    if (options.failOpen === false) throw error;
    if (original === null && count !== undefined) {
      try {
        original = count();
      } catch {
        // an input compressChat cannot read cannot be counted either: the counts stay null
      }
    }
    const code = isCtxpressError(error) ? error.code : 'UNEXPECTED';
    const message = error instanceof Error ? error.message : String(error);
    return {
      modelData,
      stats: {
        mode: 'fail-open',
        agent,
        tokenizer: tokenizerName,
        originalTokens: original,
        compressedTokens: original,
        ratio: 1,
        ms: ms(),
        error: { code, message },
      },
    };
  }
}

/**
 * A `callModelInputFilter` (for `run(agent, input, { callModelInputFilter })` or `new Runner({ callModelInputFilter })`)
 * that compresses `modelData.input` to the budget before every model call — each turn of a run, tool-call turns
 * included — with `modelData.instructions` counted as the system prompt and never changed (see `compressModelInput`).
 * The filter never mutates what it is given, so it asks the SDK not to deep-copy the input for it
 * (`preserveInputIdentity: true`).
 * @throws CtxpressError INVALID_OPTION / INVALID_BUDGET / UNKNOWN_TOKENIZER for bad options, at once.
 */
export function ctxpressInputFilter(options: CtxpressInputFilterOptions): CallModelInputFilter {
  checkOptions(options);
  const filter = async ({ modelData, agent }: CallModelInputFilterArgs): Promise<ModelInputData> => {
    const { modelData: out, stats } = await compress(modelData, options, agent.model, agent.name);
    options.onCompressed?.(stats);
    return out;
  };
  return Object.assign(filter, { preserveInputIdentity: true });
}

export { CtxpressError, isCtxpressError } from '@ctxpress/core';
