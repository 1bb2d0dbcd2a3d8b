/**
 * LangChain messages ↔ the OpenAI Chat Completions messages `compressChat` reads, and `compressMessages`, the one
 * function the middleware and `ctxpressTrimMessages` share. Every message is converted with an index marker (and every
 * content part with a part marker), so what comes back maps onto the original message objects: an unchanged message is
 * returned as the same instance; a cut one is rebuilt as the same class with every field but the cut text kept.
 * @module
 */
import { AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import { CtxpressError, resolveBudget } from '@ctxpress/core';
import type { Budget, Tokenizer } from '@ctxpress/core';
import { compressChat, countChatTokens, resolveTokenizer } from '@ctxpress/node';
import type { ChatDecision } from '@ctxpress/node';
import type { KeepOption, TokenizerOption } from './options.js';

const INDEX = 'ctxpress_index';
const PART = 'ctxpress_part';

type Raw = Record<string, unknown>;

/** Options of the message compression (middleware and trim function). */
export interface MessageCompressionOptions {
  /** Over the whole history (system prompt included): `{ tokens: N }` or `{ ratio: R }`. */
  readonly budget: Budget;
  /** The target model's tokenizer: a name or a `Tokenizer`. */
  readonly tokenizer?: TokenizerOption;
  /** What the history is scored against. Default: the latest human request (and, in an agent step, the calls since). */
  readonly query?: string;
  /** Text that must survive: every match (strings literally) is kept whole. */
  readonly keep?: KeepOption;
  /** The last N human turns are kept whole when they fit. Default 4. */
  readonly keepLastTurns?: number;
}

/** What one compression did: token counts as `compressChat` counts them, and one decision per input message. */
export interface MessageCompressionStats {
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  readonly ratio: number;
  /**
   * One per input message when the history was compressed (the middleware's system message is not among them); empty
   * when it was returned untouched (under the budget or under `whenOverTokens`).
   */
  readonly decisions: readonly ChatDecision[];
}

export interface MessageCompressionResult extends MessageCompressionStats {
  readonly messages: BaseMessage[];
}

function invalid(index: number, problem: string): CtxpressError {
  return new CtxpressError('INVALID_INPUT', `messages[${index}]: ${problem}`);
}

function roleOf(message: BaseMessage, index: number): 'system' | 'user' | 'assistant' | 'tool' {
  if (typeof message !== 'object' || message === null || typeof (message as { type?: unknown }).type !== 'string') {
    throw invalid(index, 'not a LangChain message.');
  }
  switch (message.type) {
    case 'system':
    case 'developer':
      return 'system';
    case 'human':
      return 'user';
    case 'ai':
      return 'assistant';
    case 'tool':
      return 'tool';
    case 'generic': {
      const role = ChatMessage.isInstance(message) ? message.role : undefined;
      if (role === 'user' || role === 'human') return 'user';
      if (role === 'assistant' || role === 'ai') return 'assistant';
      if (role === 'system' || role === 'developer') return 'system';
      throw invalid(index, `a ChatMessage with role ${JSON.stringify(role)} is not supported (user, assistant, system).`);
    }
    default:
      throw invalid(index, `message type ${JSON.stringify(message.type)} is not supported (system, human, ai, tool).`);
  }
}

function convertContent(content: unknown, index: number): unknown {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(index, 'content must be a string or an array of content blocks.');
  return content.map((part: unknown, p) => {
    if (typeof part === 'string') return { type: 'text', text: part, [PART]: p };
    if (typeof part !== 'object' || part === null || typeof (part as Raw)['type'] !== 'string') throw invalid(index, `content[${p}] has no "type".`);
    const block = part as Raw;
    if (block['type'] === 'text' && typeof block['text'] === 'string') return { type: 'text', text: block['text'], [PART]: p };
    return { type: block['type'], [PART]: p }; // images, files, reasoning, tool_use…: passed through, never cut
  });
}

/** The OpenAI Chat Completions form of one message, with its index marker. */
function toOpenAI(message: BaseMessage, index: number, marker: number): Raw {
  const role = roleOf(message, index);
  const raw: Raw = { role, content: convertContent(message.content, index), [INDEX]: marker };
  if (role === 'assistant' && AIMessage.isInstance(message) && message.tool_calls !== undefined && message.tool_calls.length > 0) {
    raw['tool_calls'] = message.tool_calls.map((call, c) => {
      if (typeof call.id !== 'string' || call.id === '') throw invalid(index, `tool_calls[${c}] has no id.`);
      return { id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } };
    });
  }
  if (role === 'tool') {
    const tool = message as ToolMessage;
    raw['tool_call_id'] = tool.tool_call_id;
    if (typeof tool.name === 'string') raw['name'] = tool.name;
  }
  return raw;
}

/** The original content with the cut text put in. */
function restoreContent(original: BaseMessage['content'], cut: unknown): BaseMessage['content'] {
  if (typeof cut === 'string' || !Array.isArray(original) || !Array.isArray(cut)) return cut as BaseMessage['content'];
  return cut.map((part: Raw) => {
    const source: unknown = original[part[PART] as number];
    if (typeof source === 'string') return { type: 'text', text: part['text'] as string };
    const block = source as Raw;
    return block['type'] === 'text' ? { ...block, text: part['text'] } : block;
  }) as BaseMessage['content'];
}

function defined(fields: Raw): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** A message of the same class as `message`, every field kept, with `content` instead. */
function withContent(message: BaseMessage, content: BaseMessage['content']): BaseMessage {
  const base = { content, id: message.id, name: message.name, additional_kwargs: message.additional_kwargs, response_metadata: message.response_metadata };
  if (AIMessage.isInstance(message)) {
    return new AIMessage(
      defined({ ...base, tool_calls: message.tool_calls, invalid_tool_calls: message.invalid_tool_calls, usage_metadata: message.usage_metadata }) as never,
    );
  }
  if (ToolMessage.isInstance(message)) {
    return new ToolMessage(
      defined({ ...base, tool_call_id: message.tool_call_id, status: message.status, artifact: message.artifact, metadata: message.metadata }) as never,
    );
  }
  if (ChatMessage.isInstance(message)) return new ChatMessage(defined({ ...base, role: message.role }) as never);
  if (SystemMessage.isInstance(message)) return new SystemMessage(defined(base) as never);
  return new HumanMessage(defined(base) as never);
}

function sameContent(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The messages in the form `compressChat` reads; `system`, when given and not empty, first (marker -1). */
function convert(messages: readonly BaseMessage[], system: SystemMessage | undefined): Raw[] {
  if (!Array.isArray(messages)) throw new CtxpressError('INVALID_INPUT', 'messages must be an array of LangChain messages.');
  const raw = messages.map((m, i) => toOpenAI(m, i, i));
  if (system !== undefined && !isEmptySystem(system)) raw.unshift(toOpenAI(system, -1, -1));
  return raw;
}

function isEmptySystem(system: SystemMessage): boolean {
  return typeof system.content === 'string' ? system.content === '' : Array.isArray(system.content) && system.content.length === 0;
}

/**
 * Tokens of `messages` (plus `system`) as `compressChat` counts them: each message's text and tool-call arguments in
 * the tokenizer, plus 4 per message (and 1,000 per image, file or audio part). The budget is in these tokens.
 */
export async function countMessageTokens(
  messages: readonly BaseMessage[],
  options: { readonly tokenizer?: TokenizerOption; readonly system?: SystemMessage } = {},
): Promise<number> {
  const tokenizer = await resolveTokenizer(options.tokenizer);
  return countChatTokens(convert(messages, options.system), { tokenizer, format: 'openai' });
}

/**
 * Compresses a LangChain history to the budget with `compressChat`. System messages and the last human message come
 * back unchanged (when the last human message would have to be cut to fit, the others are cut further; when it cannot
 * fit whole, BUDGET_UNSATISFIABLE); tool-call / tool-message pairs are kept or dropped together. `system` (the agent's
 * system prompt) counts toward the budget and is never changed; it is not among the returned messages.
 * @throws CtxpressError INVALID_INPUT (unsupported message types, tool calls without id, orphan calls or results),
 *   BUDGET_UNSATISFIABLE, TIME_LIMIT.
 */
export async function compressMessages(
  messages: readonly BaseMessage[],
  options: MessageCompressionOptions & { readonly system?: SystemMessage; readonly whenOverTokens?: number },
): Promise<MessageCompressionResult> {
  const tokenizer: Tokenizer = await resolveTokenizer(options.tokenizer);
  const raw = convert(messages, options.system);
  const offset = raw.length - messages.length; // 1 when the system message leads
  const original = countChatTokens(raw, { tokenizer, format: 'openai' });
  const budget = resolveBudget(options.budget, original);
  const untouched = (): MessageCompressionResult => ({
    messages: [...messages],
    tokens: { original, compressed: original, budget },
    ratio: 1,
    decisions: [],
  });
  if (original <= budget || (options.whenOverTokens !== undefined && original <= options.whenOverTokens)) return untouched();

  let lastHuman = -1;
  for (let i = raw.length - 1; i >= 0 && lastHuman === -1; i--) if (raw[i]!['role'] === 'user') lastHuman = i;
  const run = async (list: Raw[], target: number, query: string | undefined) =>
    compressChat(list, {
      budget: { tokens: target },
      tokenizer,
      format: 'openai',
      ...(query !== undefined ? { query } : {}),
      ...(options.keep !== undefined ? { keep: options.keep } : {}),
      ...(options.keepLastTurns !== undefined ? { keepLastTurns: options.keepLastTurns } : {}),
    });
  let result = await run(raw, budget, options.query);
  let out = result.messages as Raw[];
  let compressed = result.tokens.compressed;
  let decisions = result.decisions;
  const at = lastHuman === -1 ? -1 : out.findIndex((m) => m[INDEX] === raw[lastHuman]![INDEX]);
  if (lastHuman !== -1 && (at === -1 || !sameContent(out[at]!['content'], raw[lastHuman]!['content']))) {
    // compressChat cut the last human message (a long one: material around a question). Run again with a stand-in
    // whose text is empty, the budget lowered by exactly the tokens that text takes, and the request as the query;
    // then put the message back.
    const message = raw[lastHuman]!;
    const standIn: Raw = { ...message, content: emptied(message['content']) };
    const whole = countChatTokens([message], { tokenizer, format: 'openai' });
    const diff = whole - countChatTokens([standIn], { tokenizer, format: 'openai' });
    if (budget - diff < 1) throw new CtxpressError('BUDGET_UNSATISFIABLE', `The last human message alone (${whole} tokens) does not fit in the budget of ${budget} tokens.`);
    const list = raw.map((m, i) => (i === lastHuman ? standIn : m));
    result = await run(list, budget - diff, options.query ?? requestText(raw, lastHuman));
    out = (result.messages as Raw[]).map((m) => (m === standIn || m[INDEX] === message[INDEX] ? message : m));
    compressed = result.tokens.compressed + diff;
    decisions = result.decisions.map((d) => (d.index === lastHuman ? { ...d, fidelity: 'pinned', tokensBefore: whole, tokensAfter: whole } : d));
  }
  const back = out.flatMap((m): BaseMessage[] => {
    const index = m[INDEX] as number;
    if (index < 0) return [];
    const message = messages[index]!;
    return [sameContent(m['content'], raw[index + offset]!['content']) ? message : withContent(message, restoreContent(message.content, m['content']))];
  });
  return {
    messages: back,
    tokens: { original, compressed, budget },
    ratio: compressed === 0 ? Number.POSITIVE_INFINITY : original / compressed,
    decisions: decisions.slice(offset).map((d) => ({ ...d, index: d.index - offset })),
  };
}

/** The content with every text emptied (other parts kept): what is left of a message once its text is set aside. */
function emptied(content: unknown): unknown {
  if (!Array.isArray(content)) return '';
  return content.map((part: Raw) => (part['type'] === 'text' ? { ...part, text: '' } : part));
}

function textsOf(message: Raw): string[] {
  const content = message['content'];
  const texts = typeof content === 'string' ? [content] : Array.isArray(content) ? content.flatMap((p: Raw) => (typeof p['text'] === 'string' ? [p['text']] : [])) : [];
  const calls = Array.isArray(message['tool_calls']) ? (message['tool_calls'] as { function: { name: string; arguments: string } }[]).map((c) => `${c.function.name} ${c.function.arguments}`) : [];
  return [...texts, ...calls];
}

/** The query compressChat would have used: the request, plus (in an agent step) the assistant's text and calls since. */
function requestText(raw: readonly Raw[], lastHuman: number): string {
  const parts = textsOf(raw[lastHuman]!);
  for (let i = lastHuman + 1; i < raw.length; i++) if (raw[i]!['role'] === 'assistant') parts.push(...textsOf(raw[i]!));
  return parts.filter((t) => t.trim() !== '').join('\n');
}
