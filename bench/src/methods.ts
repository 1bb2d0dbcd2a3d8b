/**
 * The methods under test, by name (kvpress-style registry: name → how to run it). Each gets the same example, budget and
 * tokenizer. The harness recounts the library's outputs itself (the library's own count is only cross-checked); the
 * baselines count their final text exactly as part of the budget guarantee.
 * @module
 */
import type { Tokenizer } from '@ctxpress/core';
import { compress } from '@ctxpress/node';
import { bm25Selection, hashSeed, headSelection, randomSelection, type PreparedInput } from './baselines.js';
import { compressInput, type Example } from './data.js';

export interface MethodInput {
  readonly example: Example;
  /** Requested compression ratio; `budget` = floor(original tokens / ratio). */
  readonly ratio: number;
  readonly budget: number;
  readonly tokenizer: Tokenizer;
  /** The example segmented and scored once (only for methods with `usesPreparedInput`). */
  readonly prepared: PreparedInput | undefined;
}

export interface MethodOutput {
  readonly text: string;
  /** Exact token count of `text` when the method already counted it with the same tokenizer; otherwise the harness counts. */
  readonly tokens?: number;
  /** What the library itself reported, for the cross-check against the harness's own counts. */
  readonly reported?: { readonly original: number; readonly compressed: number; readonly budget: number };
  /** Milliseconds per stage, as the library reported them. */
  readonly timings?: Readonly<Record<string, number>>;
}

export interface Method {
  readonly name: string;
  readonly description: string;
  /** Needs `prepareInput()` of the example; its time is added to each run's time, as if each run did it alone. */
  readonly usesPreparedInput: boolean;
  run(input: MethodInput): Promise<MethodOutput>;
}

function ctxpressMethod(name: string, description: string, prune: false | number, withQuery = true): Method {
  return {
    name,
    description,
    usesPreparedInput: false,
    async run({ example, budget, tokenizer }) {
      const result = await compress(compressInput(example), {
        budget: { tokens: budget },
        ...(withQuery ? { query: example.question } : {}),
        tokenizer,
        prune,
      });
      return { text: result.text, reported: result.tokens, timings: result.timings };
    },
  };
}

function baseline(name: string, description: string, select: (input: MethodInput, prepared: PreparedInput) => { text: string; tokens: number }): Method {
  return {
    name,
    description,
    usesPreparedInput: true,
    run(input) {
      if (input.prepared === undefined) return Promise.reject(new Error(`${name}: prepared input missing`));
      const { text, tokens } = select(input, input.prepared);
      return Promise.resolve({ text, tokens });
    },
  };
}

export const METHODS: readonly Method[] = [
  ctxpressMethod('ctxpress', 'compress() with the question as query, default pipeline', false),
  ctxpressMethod('ctxpress+prune', 'compress() with the question as query and prune: 0.3', 0.3),
  ctxpressMethod('ctxpress-noquery', 'compress() without the question (query-agnostic mode)', false, false),
  baseline('head', 'longest prefix of units (source order) that fits', ({ budget, tokenizer }, prepared) => headSelection(prepared, budget, tokenizer)),
  baseline('random', 'units in a mulberry32 shuffle seeded by the example id, added while they fit', ({ example, budget, tokenizer }, prepared) =>
    randomSelection(prepared, budget, tokenizer, hashSeed(example.id)),
  ),
  baseline('bm25', 'units by BM25 score against the question, added while they fit', ({ budget, tokenizer }, prepared) => bm25Selection(prepared, budget, tokenizer)),
];

/** Methods ctxpress must beat in the check table. */
export const BASELINE_NAMES: readonly string[] = ['head', 'random', 'bm25'];

export const METHOD_NAMES: readonly string[] = METHODS.map((method) => method.name);

export function getMethods(names: readonly string[] | undefined): Method[] {
  if (names === undefined || names.length === 0) return [...METHODS];
  return names.map((name) => {
    const method = METHODS.find((candidate) => candidate.name === name);
    if (method === undefined) throw new Error(`unknown method: ${name} (known: ${METHOD_NAMES.join(', ')})`);
    return method;
  });
}
