/**
 * The verifier every compressor ends with: the budget is a promise about the exact token count of the text returned,
 * so the rendered output is recounted with the target tokenizer, and while it is over the budget the format sheds its
 * least valuable kept pieces and renders again. Formats differ only in what a piece is (a sentence, a code block or
 * skeleton, a log line group) and how its value is judged; the loop, the recount and the failure are here.
 * @module
 */
import { activeDeadline } from './deadline.js';
import { CtxpressError } from './errors.js';
import { exactCount } from './exact-count.js';
import type { Tokenizer } from './types.js';

export interface Fitting<R extends { readonly text: string }> {
  /** The output for the current selection. */
  render(): R;
  /**
   * Drops (or downgrades) the least valuable kept pieces, worth about `overflow` tokens by the format's own estimate.
   * False when nothing more can go: the verifier then throws BUDGET_UNSATISFIABLE.
   */
  shed(overflow: number): boolean;
  /** The error when nothing more can go although the output is `tokens` > `budget`. */
  unsatisfiable?(tokens: number, budget: number): CtxpressError;
}

export interface Fitted<R> {
  readonly rendered: R;
  /** The exact token count of `rendered.text`. */
  readonly tokens: number;
}

/**
 * Renders, recounts exactly, and sheds until the output fits `budget`. `first` is an already rendered and counted
 * output, when the caller has one (it is not rendered again when it fits).
 */
export function fitToBudget<R extends { readonly text: string }>(
  fitting: Fitting<R>,
  budget: number,
  tokenizer: Tokenizer,
  first?: Fitted<R>,
): Fitted<R> {
  let rendered: R;
  let tokens: number;
  if (first === undefined) {
    rendered = fitting.render();
    tokens = exactCount(tokenizer, rendered.text);
  } else ({ rendered, tokens } = first);
  const deadline = activeDeadline();
  while (tokens > budget) {
    deadline?.check();
    if (!fitting.shed(tokens - budget)) throw (fitting.unsatisfiable ?? defaultUnsatisfiable)(tokens, budget);
    rendered = fitting.render();
    tokens = exactCount(tokenizer, rendered.text);
  }
  return { rendered, tokens };
}

function defaultUnsatisfiable(tokens: number, budget: number): CtxpressError {
  return new CtxpressError(
    'BUDGET_UNSATISFIABLE',
    `The kept content needs ${tokens} tokens and nothing more can be dropped to reach the budget of ${budget}. Raise the budget.`,
  );
}
