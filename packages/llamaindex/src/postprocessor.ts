/**
 * `CtxpressNodePostprocessor`: a LlamaIndex.TS `BaseNodePostprocessor` that compresses the retrieved nodes' texts
 * jointly to one token budget with `@ctxpress/node`'s `compress` (query-aware, extractive: every returned node's text
 * is made of spans of that node's own text).
 * @module
 */
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import type { BaseNode, NodeWithScore } from '@llamaindex/core/schema';
import type { MessageContent } from '@llamaindex/core/llms';
import { CtxpressError } from '@ctxpress/core';
import type { Budget } from '@ctxpress/core';
import { compressRetrieved } from '@ctxpress/node';
import { checkOptions } from './options.js';
import type { KeepOption, NodeOrder, TokenizerOption } from './options.js';

export interface CtxpressNodePostprocessorOptions {
  /** For all text nodes together: `{ tokens: N }`, or `{ ratio: R }` of their total tokens. */
  readonly budget: Budget;
  /** The target model's tokenizer: a name (default `o200k_base`) or a `Tokenizer`. */
  readonly tokenizer?: TokenizerOption;
  /** Text that must survive: every match (strings literally) is kept whole. */
  readonly keep?: KeepOption;
  /** Order of the returned nodes. Default `source` (the retriever's). */
  readonly order?: NodeOrder;
  /** Placed between two kept spans of one node that are not adjacent. Default `"\n"`. */
  readonly separator?: string;
  /**
   * When compression fails with a `CtxpressError` (BUDGET_UNSATISFIABLE: the `keep` matches alone exceed the budget;
   * TIME_LIMIT), `true` returns the nodes unchanged (the same array) instead of throwing. Default `false`.
   */
  readonly failOpen?: boolean;
}

/** What each compressed node carries under `node.metadata.ctxpress` (excluded from the LLM and embedding metadata). */
export interface CtxpressNodeMetadata {
  /** Position of the node in the list given to `postprocessNodes`. */
  readonly index: number;
  /** Kept `[start, end)` ranges of the original `text` (UTF-16 offsets), in order; `text` is these joined. */
  readonly spans: readonly { readonly start: number; readonly end: number }[];
  /** Length of the original `text`. */
  readonly originalLength: number;
  /** The node's best kept passage score (`order: 'relevance'` only). */
  readonly score?: number;
}

/** The key under which the kept spans go into `node.metadata`. */
export const METADATA_KEY = 'ctxpress';

const IMAGE_TYPES: readonly string[] = ['IMAGE', 'IMAGE_DOCUMENT'];

/** The node's text if it is a text node (`TextNode`, `Document`, `IndexNode`, …; not an image node), else undefined. */
function textOf(node: BaseNode): string | undefined {
  const text: unknown = (node as { text?: unknown }).text;
  return typeof text === 'string' && !IMAGE_TYPES.includes(String(node.type)) ? text : undefined;
}

/** The text parts of a query (a string, or message content whose text parts are joined as LlamaIndex does). */
function queryText(query: unknown): string {
  if (typeof query === 'string') return query;
  if (Array.isArray(query)) {
    return query
      .filter((part): part is { type: 'text'; text: string } => typeof part === 'object' && part !== null && part.type === 'text' && typeof part.text === 'string')
      .map((part) => part.text)
      .join('\n\n');
  }
  if (typeof query === 'object' && query !== null && 'query' in query) return queryText(query.query); // a QueryBundle
  return '';
}

/**
 * A new node of the same class with the same fields (id, metadata, relationships, embedding, char offsets, …), `text`
 * replaced and `metadata.ctxpress` added; the content hash is recomputed from the new text.
 */
function rebuild(node: BaseNode, text: string, ctxpress: CtxpressNodeMetadata): BaseNode {
  const exclude = (keys: readonly string[]): string[] => (keys.includes(METADATA_KEY) ? [...keys] : [...keys, METADATA_KEY]);
  const Node = node.constructor as new (init: Record<string, unknown>) => BaseNode;
  const copy = new Node({
    ...node, // own fields only: the hash (a private accessor) is recomputed lazily from the new text
    metadata: { ...node.metadata, [METADATA_KEY]: ctxpress },
    relationships: { ...node.relationships },
    excludedLlmMetadataKeys: exclude(node.excludedLlmMetadataKeys),
    excludedEmbedMetadataKeys: exclude(node.excludedEmbedMetadataKeys),
    text,
  });
  if ((copy as { text?: unknown }).text !== text) copy.setContent(text);
  return copy;
}

/**
 * Compresses the nodes a retriever returned, jointly, to a token budget: the budget goes to the passages most
 * relevant to the query wherever they are. Each text node comes back as a new node of its class with the same
 * `id_`, `metadata` (plus the kept spans under `metadata.ctxpress`) and `relationships`, its `text` the kept spans;
 * nodes that lose all their text (or had none) are dropped. The retriever's `score` is kept as it is (the similarity
 * that later postprocessors such as a cutoff expect); the compression score is `metadata.ctxpress.score`. Non-text
 * nodes (image nodes) pass through unchanged and do not count against the budget.
 *
 * @example
 * const engine = new RetrieverQueryEngine(retriever, synthesizer, [
 *   new CtxpressNodePostprocessor({ budget: { tokens: 500 }, order: 'relevance' }),
 * ]);
 */
export class CtxpressNodePostprocessor implements BaseNodePostprocessor {
  readonly options: CtxpressNodePostprocessorOptions;

  constructor(options: CtxpressNodePostprocessorOptions) {
    checkOptions(options);
    this.options = { ...options };
  }

  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    if (!Array.isArray(nodes)) throw new CtxpressError('INVALID_INPUT', 'nodes must be an array of NodeWithScore.');
    // non-text nodes (images) pass through; a text node's text goes to the joint compression ('' takes no budget)
    const passThrough = new Set<number>();
    const texts = nodes.map((item, index) => {
      const node: unknown = item?.node;
      if (typeof node !== 'object' || node === null) throw new CtxpressError('INVALID_INPUT', `nodes[${index}].node must be a node.`);
      const text = textOf(node as BaseNode);
      if (text === undefined) passThrough.add(index);
      return text ?? '';
    });
    const { order = 'source' } = this.options;
    const retrieved = await compressRetrieved(texts, queryText(query), this.options);
    if (retrieved === undefined) return nodes; // failOpen
    const kept = retrieved.map((r) => r.index);
    const compressed = new Map<number, NodeWithScore>();
    for (const { index, spans, text, score } of retrieved) {
      const item = nodes[index]!;
      const ctxpress: CtxpressNodeMetadata = {
        index,
        spans: [...spans],
        originalLength: texts[index]!.length,
        ...(order === 'relevance' && score !== undefined ? { score } : {}),
      };
      compressed.set(index, { ...item, node: rebuild(item.node, text, ctxpress) });
    }
    if (order === 'relevance') {
      return [...kept.map((index) => compressed.get(index)!), ...nodes.filter((_, index) => passThrough.has(index))];
    }
    return nodes.flatMap((item, index) => (passThrough.has(index) ? [item] : compressed.has(index) ? [compressed.get(index)!] : []));
  }
}
