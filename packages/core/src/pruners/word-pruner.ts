import type { PruneContext, Pruner, Unit } from '../types.js';
import { isStopWord, stem } from '../text/terms.js';
import { withFlags } from '../keep-patterns.js';

const NEGATIONS: ReadonlySet<string> = new Set(['not', 'no', 'never', 'nor', 'none', 'nothing', 'neither', 'without', 'cannot', "can't", "won't", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "shouldn't", "wouldn't", "couldn't", "mustn't", 'except', 'unless']);

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0;
}

/** Protected character ranges of `text[start, end)`: quoted strings, URLs, keep-pattern matches. */
function protectedRanges(text: string, start: number, end: number, keep: readonly RegExp[]): Array<[number, number]> {
  const slice = text.slice(start, end);
  const out: Array<[number, number]> = [];
  const add = (re: RegExp): void => {
    re.lastIndex = 0;
    for (let m = re.exec(slice); m !== null; m = re.exec(slice)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      out.push([start + m.index, start + m.index + m[0].length]);
    }
  };
  add(/"[^"\n]{1,200}"|\u201c[^\u201d\n]{1,200}\u201d|`[^`\n]{1,200}`/g);
  add(/\b(?:https?:\/\/|www\.)\S+/g);
  for (const re of keep) add(withFlags(re, re.flags.includes('g') ? re.flags : `${re.flags}g`));
  return out;
}

/**
 * Word-level pruning (LLMLingua-2 style, statistical): deletes the lowest-information words of a unit — stop words first,
 * then frequent words — up to `ratio` of its words. Never touches protected words: numbers, capitalised words (names,
 * sentence starts), negations, query terms, quoted strings, URLs and keep-pattern matches. Returns the kept ranges.
 */
export function wordPruner(): Pruner {
  return {
    name: 'word',
    prune(unit: Unit, context: PruneContext, ratio: number) {
      const text = context.source.text;
      if (unit.kind !== 'sentence' && unit.kind !== 'line') return [[unit.start, unit.end]];
      const words: Array<[number, number]> = [];
      let i = unit.start;
      while (i < unit.end) {
        while (i < unit.end && isSpace(text.charCodeAt(i))) i++;
        const s = i;
        while (i < unit.end && !isSpace(text.charCodeAt(i))) i++;
        if (i > s) words.push([s, i]);
      }
      const maxDelete = Math.floor(words.length * ratio);
      if (maxDelete === 0) return [[unit.start, unit.end]];
      const protect = protectedRanges(text, unit.start, unit.end, context.keep);
      const candidates: Array<{ w: number; info: number }> = [];
      for (let w = 0; w < words.length; w++) {
        const [s, e] = words[w]!;
        if (w === 0 || w === words.length - 1) continue; // keep the sentence's edges (speaker labels, final punctuation)
        if (protect.some(([ps, pe]) => s < pe && e > ps)) continue;
        const raw = text.slice(s, e);
        const core = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
        if (core.length === 0) continue;
        if (/\p{N}/u.test(core)) continue;
        if (/^\p{Lu}/u.test(core)) continue;
        const lower = core.toLowerCase();
        if (NEGATIONS.has(lower) || lower.endsWith("n't")) continue;
        if (/[^\p{L}\p{N}'’-]/u.test(core)) continue; // identifiers, paths, symbols
        if (context.queryTerms.has(stem(lower))) continue;
        const info = isStopWord(lower) ? -1 : context.information(lower);
        candidates.push({ w, info });
      }
      candidates.sort((a, b) => a.info - b.info || a.w - b.w);
      const drop = new Uint8Array(words.length);
      for (let k = 0; k < Math.min(maxDelete, candidates.length); k++) drop[candidates[k]!.w] = 1;
      const ranges: Array<readonly [number, number]> = [];
      let open = -1;
      let last = -1;
      for (let w = 0; w < words.length; w++) {
        if (drop[w]) {
          if (open >= 0) ranges.push([open, last]);
          open = -1;
          continue;
        }
        if (open < 0) open = words[w]![0];
        last = words[w]![1];
      }
      if (open >= 0) ranges.push([open, last]);
      return ranges;
    },
  };
}
