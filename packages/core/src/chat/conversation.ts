/**
 * What both chat modes (relevance.ts, prefix-stable.ts) receive and return: the parsed conversation with its counts,
 * and one outcome per message.
 * @module
 */
import type { SegmentCacheOptions } from '../cache/segment-cache.js';
import type { Tokenizer } from '../types.js';
import type { ChatStructure } from './structure.js';
import type { ChatFidelity, ChatMessage, TextSlot } from './types.js';

/** A parsed conversation with every count a mode needs. */
export interface CountedConversation {
  readonly messages: readonly ChatMessage[];
  readonly structure: ChatStructure;
  readonly tokenizer: Tokenizer;
  /** Tokens of each slot's text, per message. */
  readonly slotTokens: readonly (readonly number[])[];
  /** Per message: `MESSAGE_OVERHEAD` + its tool calls' argument tokens + its media parts. */
  readonly overhead: readonly number[];
  /** Per message: overhead + every slot. */
  readonly full: readonly number[];
  /** Tokens of `options.system` (0 without it). */
  readonly systemTokens: number;
  readonly cache: SegmentCacheOptions | undefined;
  /** The one-line stub for an omitted slot (the only text not from the input). */
  readonly placeholder: (slot: TextSlot, message: number, tokens: number) => string;
}

/** What a mode did with one message. */
export interface MessageOutcome {
  /** Slot texts (null: the content part is removed); undefined when the message is dropped. */
  readonly texts: (string | null)[] | undefined;
  readonly tokens: number;
  readonly fidelity: ChatFidelity;
}
