/**
 * Importance signals of a message, whatever the query: stated facts and preferences, errors, decisions. Relevance mode
 * gives such messages a prior bonus; prefix-stable mode keeps them whole when it compacts.
 * @module
 */
import type { ChatMessage } from './types.js';

/** Stated facts and preferences, errors and decisions: worth keeping whatever the query. */
export const IMPORTANT =
  /\b(?:i prefer|i'd prefer|i would prefer|my name is|call me|i am allergic|i'm allergic|always|never|don't ever|do not ever|remember that|make sure|i like|i love|i hate|i don't like|i want|i need|error|exception|failed|failure|traceback|decided|decision|we'll go with|let's go with|let's use|we agreed|agreed)\b/i;

/** True for a message with an error result or a text that states a fact, preference or decision. */
export function isImportant(m: ChatMessage): boolean {
  return m.slots.some((s) => s.error === true || (s.kind === 'text' && IMPORTANT.test(s.text)));
}
