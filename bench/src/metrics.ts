/**
 * Reference scoring from shared/data/README.md, and the small statistics the reports need.
 * @module
 */

// A standalone word a/an/the: not preceded or followed by a letter, digit or underscore (Unicode-aware, so the
// "the" inside "éthe" is not a word of its own).
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
const NOT_LETTER_DIGIT_SPACE = /[^\p{L}\p{N}\s]/gu;
const WHITESPACE_RUN = /\s+/g;

/**
 * The README's normalisation, in its order: lower-case, drop the words a/an/the, replace every character that is not a
 * letter, digit or whitespace by a space, squeeze whitespace (and trim).
 */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(ARTICLES, ' ')
    .replace(NOT_LETTER_DIGIT_SPACE, ' ')
    .replace(WHITESPACE_RUN, ' ')
    .trim();
}

/** 1 if any normalised answer is a substring of the normalised text, else 0; `null` when there are no answers. */
export function answerRetention(normalizedText: string, answers: readonly string[]): number | null {
  if (answers.length === 0) return null;
  return answers.some((answer) => normalizedText.includes(normalize(answer))) ? 1 : 0;
}

/** Fraction of supporting strings whose normalised form is a substring of the normalised text; `null` when none. */
export function supportingRetention(normalizedText: string, supporting: readonly string[]): number | null {
  if (supporting.length === 0) return null;
  let found = 0;
  for (const evidence of supporting) if (normalizedText.includes(normalize(evidence))) found++;
  return found / supporting.length;
}

export interface Retention {
  /** `null` when the example has no `answers`. */
  readonly answer: number | null;
  /** `null` when the example has no `supporting` strings. */
  readonly supporting: number | null;
}

/** Both measures of one compressed text (normalised once). */
export function retention(compressedText: string, example: { readonly answers: readonly string[]; readonly supporting: readonly string[] }): Retention {
  const normalized = normalize(compressedText);
  return { answer: answerRetention(normalized, example.answers), supporting: supportingRetention(normalized, example.supporting) };
}

/** Mean of the non-null values; `null` when there are none. */
export function mean(values: Iterable<number | null>): number | null {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (value === null) continue;
    sum += value;
    count++;
  }
  return count === 0 ? null : sum / count;
}

/** Median (mean of the two middle values for an even count); `null` for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}
