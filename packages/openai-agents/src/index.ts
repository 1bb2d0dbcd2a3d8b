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
import { CtxpressError } from '@ctxpress/core';
import { checkModelChatOptions, compressChatForModel, modelTokenizerName, type ModelChatOptions, type ModelChatStats } from '@ctxpress/node';
import type { AgentInputItem, CallModelInputFilter, CallModelInputFilterArgs, ModelInputData } from '@openai/agents';

export type { AgentInputItem, CallModelInputFilter, ModelInputData } from '@openai/agents';

/**
 * What one model call did, passed to `onCompressed`: @ctxpress/node's `ModelChatStats` (counts are compressChat's:
 * instructions + item text + tool-call arguments + 4 per item; `ms` is the time spent in the filter) and the agent.
 */
export interface CtxpressStats extends ModelChatStats {
  /** Name of the agent whose model call this was. */
  readonly agent: string;
}

/**
 * `budget` (over the input's tokens, instructions included), `tokenizer` (default: derived from the agent's model name
 * when it is a known one, else `o200k_base`, also when the agent's model is a `Model` object), `query`,
 * `whenOverTokens` (inputs of at most this many tokens pass through untouched: the same modelData object), `keep`,
 * `keepLastTurns`, `mediaTokens`, `failOpen` (default true: a failure sends the original input, reported in the stats;
 * false: the run rejects with the CtxpressError before the model is called) — see `ModelChatOptions` in @ctxpress/node.
 */
export interface CtxpressInputFilterOptions extends ModelChatOptions {
  /** Called once per model call (each turn of a run) with the statistics, before the model is called. */
  readonly onCompressed?: (stats: CtxpressStats) => void;
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
  checkModelChatOptions(options, 'compressModelInput');
  return compress(modelData, options, options.model, options.agent ?? '');
}

async function compress(modelData: ModelInputData, options: CtxpressInputFilterOptions, model: unknown, agent: string): Promise<CompressedModelInput> {
  const { input, instructions } = modelData;
  if (!Array.isArray(input)) {
    const error = new CtxpressError('INVALID_INPUT', 'modelData.input must be an array of input items.');
    if (options.failOpen === false) throw error;
    const name = modelTokenizerName(options.tokenizer, typeof model === 'string' ? model : undefined);
    return { modelData, stats: { mode: 'fail-open', agent, tokenizer: name, originalTokens: null, compressedTokens: null, ratio: 1, ms: 0, error: { code: error.code, message: error.message } } };
  }
  const views = input.map(responsesView);
  const { result, stats } = await compressChatForModel(
    {
      messages: views,
      format: 'openai-responses',
      ...(typeof instructions === 'string' ? { system: instructions } : {}),
      ...(typeof model === 'string' ? { model } : {}),
    },
    options,
  );
  if (result === undefined) return { modelData, stats: { ...stats, agent } };
  const kept = result.decisions.filter((d) => d.fidelity !== 'dropped');
  if (kept.length !== result.messages.length) throw new CtxpressError('INVALID_INPUT', 'compressChat returned an unexpected number of items.');
  let changed = kept.length !== input.length;
  const out = kept.map((d, k) => {
    const message = result.messages[k];
    if (message === views[d.index]) return input[d.index]!;
    changed = true;
    return fromView(input[d.index]!, message);
  });
  return { modelData: changed ? { ...modelData, input: out } : modelData, stats: { ...stats, agent } };
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
  checkModelChatOptions(options, 'ctxpressInputFilter');
  const filter = async ({ modelData, agent }: CallModelInputFilterArgs): Promise<ModelInputData> => {
    const { modelData: out, stats } = await compress(modelData, options, agent.model, agent.name);
    options.onCompressed?.(stats);
    return out;
  };
  return Object.assign(filter, { preserveInputIdentity: true });
}

export { CtxpressError, isCtxpressError } from '@ctxpress/core';
