/**
 * Types of chat-history compression: the public options and result, and the one internal representation every provider
 * format is read into and written back from.
 * @module
 */
import type { Budget, Tokenizer } from '../types.js';
import type { SegmentCacheOptions } from '../cache/segment-cache.js';
import type { LimitOptions } from '../deadline.js';

/** The message formats `compressChat` reads and writes. */
/** `openai-responses`: the `input` items of OpenAI's Responses API (`message`, `function_call`, `function_call_output`). */
export type ChatFormat = 'openai' | 'anthropic' | 'ai-sdk' | 'openai-responses';

/** How much of an older message survives. `pinned` = system prompt or one of the last turns, always whole. */
export type ChatFidelity = 'pinned' | 'full' | 'compressed' | 'placeholder' | 'dropped';

/** `signal` and `timeLimitMs` (`LimitOptions`): opt-in limits, throwing ABORTED / TIME_LIMIT; results are unchanged when not reached. */
export interface ChatCompressOptions extends LimitOptions {
  /** Over the total chat tokens (see `countChatMessage`). `{ ratio }` targets floor(original / ratio). */
  readonly budget: Budget;
  readonly tokenizer: Tokenizer;
  /** Default `auto`: detected from the messages (see `detectChatFormat`). */
  readonly format?: ChatFormat | 'auto';
  /** Anthropic's top-level `system` text: counted and pinned, never changed (it is not part of `messages`). */
  readonly system?: string;
  /**
   * The last N user turns (a user message that is not only tool results, and everything after it) are kept whole when
   * they fit beside the fixed parts; otherwise they are compressed like the rest, most recent and most relevant first.
   * Default 4. The latest user request (or its question part, when it is long) is always kept.
   */
  readonly keepLastTurns?: number;
  /**
   * What the conversation is scored against. Default: the latest user request — when it is long (documents plus a
   * question), its question/instruction part; when the conversation ends with tool results (an agent step), that request
   * plus the assistant's text and tool-call arguments since.
   */
  readonly query?: string;
  /**
   * Fixed token cost of each image, file or audio part (they pass through untouched; the tokenizer cannot count them).
   * Default 1000 (about a 1024×1024 image: OpenAI counts 765 at high detail, Anthropic about 1,400). 0 ignores them.
   */
  readonly mediaTokens?: number;
  /** Text that must survive: every match (strings literally) is kept whole wherever it is. */
  readonly keep?: readonly (string | RegExp)[];
  /** Recency half-life in user turns. Default 8. */
  readonly halfLife?: number;
  /**
   * Prefix-stable mode: older messages are compacted (query-free) or dropped at checkpoints that are replayed over the
   * conversation's earlier prefixes and move only when the plan no longer fits (each move frees room for several
   * turns), never on the query, so the compressed prefix stays byte-identical as the conversation grows and provider
   * prompt caches keep hitting. See docs/decisions/0007-chat-compression.md.
   */
  readonly prefixStable?: boolean;
  /**
   * Segment cache (`{ store, hash? }`, a store whose `get` answers synchronously): whole-message token counts and the
   * per-message work of cutting older messages are reused across calls, so a conversation that grew by one turn costs
   * about that turn. Outputs are identical with and without it.
   */
  readonly cache?: SegmentCacheOptions;
}

export interface ChatDecision {
  /** Index of the message in the input array. */
  readonly index: number;
  readonly role: string;
  readonly fidelity: ChatFidelity;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
}

export interface ChatCompressionResult {
  /** The compressed messages, in the input's format; message objects keep every field except the text that was cut. */
  readonly messages: unknown[];
  readonly format: ChatFormat;
  readonly tokens: { readonly original: number; readonly compressed: number; readonly budget: number };
  /** original / compressed tokens. */
  readonly ratio: number;
  /** One entry per input message, input order. */
  readonly decisions: ChatDecision[];
  /**
   * `prefix-stable` when `prefixStable` was asked for and its plan fitted; `relevance` otherwise (also when prefix-stable
   * mode had to give way because the system prompt, the latest request and the last tool exchange alone exceed the
   * budget: the output is then not prefix-stable).
   */
  readonly mode: 'relevance' | 'prefix-stable';
}

/** Normalised role. OpenAI's `developer` reads as `system`. */
export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** A piece of text of a message that compression may shorten or replace. */
export interface TextSlot {
  readonly text: string;
  /** `result` = the content of a tool result (an observation). */
  readonly kind: 'text' | 'result';
  /** Tool name of a result slot, when known. */
  readonly toolName: string | undefined;
  /** Slots of one content block (one text part, one tool result) share an owner; a block never loses all its slots. */
  readonly owner: number;
  /** Where the text lives inside the raw message. A last numeric step means an array element, which may be removed. */
  readonly path: readonly (string | number)[];
  /** JSON data or otherwise not cuttable: kept whole or replaced by a placeholder, never cut. */
  readonly atomic: boolean;
  /** Turns replacement text into the value stored at `path` (default: the text itself). */
  readonly encode?: (text: string) => unknown;
  /** True when the block reports an error (always worth keeping). */
  readonly error?: boolean;
}

/** A tool call (an action): kept verbatim, its arguments JSON counted. */
export interface ToolCallInfo {
  readonly id: string;
  readonly name: string;
  readonly args: string;
}

/** One message in the internal representation. */
export interface ChatMessage {
  readonly index: number;
  readonly role: ChatRole;
  readonly slots: readonly TextSlot[];
  readonly calls: readonly ToolCallInfo[];
  /** Ids of the tool calls this message answers. */
  readonly resultIds: readonly string[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Reads one provider format into `ChatMessage`s and writes changed messages back. */
export interface ChatAdapter {
  readonly format: ChatFormat;
  /** Throws CtxpressError('INVALID_INPUT') naming the message index and the problem. */
  parse(messages: readonly unknown[]): ChatMessage[];
}
