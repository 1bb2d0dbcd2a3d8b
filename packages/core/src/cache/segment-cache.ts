/**
 * The segment cache (docs/decisions/0010-segment-cache.md): per source, its units and groups and every unit's term list;
 * per input (the ordered list of sources + document separator + tokenizer), the exact one-pass token counts. With a warm
 * cache a new query on the same documents skips segmentation, tokenization and term extraction; the scoring context is
 * rebuilt from the cached entries and is identical, array for array, to the one `buildScoringContext` computes.
 * @module
 */
import type { Group, ScoringContext, Segmentation, Segmenter, Source, Tokenizer, Unit, UnitKind } from '../types.js';
import { forEachWord, termsOfWord } from '../text/terms.js';
import { queryTerms } from '../scoring-context.js';
import { CtxpressError } from '../errors.js';
import { checksum32, hash128 } from './hash.js';
import { getSync, setQuietly } from './store.js';
import type { CacheStore } from './store.js';

/**
 * Bump when the meaning of a cached entry changes (segmenter, term extraction, encoding or key derivation). Part of
 * every key. Keys hash a text's own hash with the settings, so a caller's memoised `hash` hashes each text once.
 */
export const SEGMENT_CACHE_SCHEMA = 2;

/** `compressSync`'s `cache` option. */
export interface SegmentCacheOptions {
  /** A store whose `get` answers synchronously (a promise is treated as a miss), e.g. `memoryCacheStore()`. */
  readonly store: CacheStore;
  /** Content hash for keys (hex or any key-safe string). Default: `hash128` (fast, non-cryptographic). */
  readonly hash?: ((text: string) => string) | undefined;
}

const KINDS: readonly UnitKind[] = ['title', 'heading', 'sentence', 'line', 'list-item', 'table-row', 'code-block', 'message', 'code-symbol', 'json-node'];
const KIND_CODE = new Map<UnitKind, number>(KINDS.map((k, i) => [k, i]));
const SOURCE_MAGIC = 0x43585331; // "CXS1"
const COUNTS_MAGIC = 0x43584331; // "CXC1"
/** Set on a term occurrence that only enters the vocabulary (a word's terms past the 7th): not counted, not stored. */
const VOCAB_ONLY = 0x80000000;

/** What one source contributes, with unit/group indices relative to the source. */
export interface SourceEntry {
  readonly textLength: number;
  /** 7 per unit: start, end, kind, section, block, positionInBlock, anchor + 1 (0 = none). */
  readonly units: Uint32Array;
  /** 4 per group: start, end, unitStart, unitEnd. */
  readonly blocks: Uint32Array;
  readonly sections: Uint32Array;
  /** Term occurrences of unit i: `terms[termOffsets[i] .. termOffsets[i+1])`, local ids (| VOCAB_ONLY). */
  readonly termOffsets: Uint32Array;
  readonly terms: Uint32Array;
  readonly vocabulary: readonly string[];
}

/** Rejects a malformed `cache` option (a misconfiguration is an error; only store failures degrade silently). */
export function checkCacheOptions(cache: unknown): void {
  const store = (cache as { store?: unknown } | null)?.store as Partial<CacheStore> | undefined;
  const hash = (cache as { hash?: unknown } | null)?.hash;
  if (
    typeof cache !== 'object' ||
    cache === null ||
    typeof store !== 'object' ||
    store === null ||
    typeof store.get !== 'function' ||
    typeof store.set !== 'function' ||
    (hash !== undefined && typeof hash !== 'function')
  ) {
    throw new CtxpressError(
      'INVALID_OPTION',
      'options.cache must be { store: CacheStore { get, set }, hash?: (text) => string }, e.g. { store: memoryCacheStore() }.',
    );
  }
}

/** The segmenter's identity in keys, or undefined when its output may not be cached (a custom segmenter without `cacheKey`). */
export function segmenterCacheId(segmenter: Segmenter, isDefault: boolean): string | undefined {
  const key = (segmenter as { cacheKey?: unknown }).cacheKey;
  if (typeof key === 'string' && key.length > 0) return `${segmenter.name}:${key}`;
  return isDefault ? `${segmenter.name}:default` : undefined;
}

export function sourceCacheKey(hash: (text: string) => string, segmenterId: string, source: Source): string {
  return `cx${SEGMENT_CACHE_SCHEMA}:s:${hash(`${SEGMENT_CACHE_SCHEMA}\u0000${segmenterId}\u0000${source.format}\u0000${source.titleLength}\u0000${hash(source.text)}`)}`;
}

export function countsCacheKey(hash: (text: string) => string, tokenizer: Tokenizer, documentSeparator: string, nonEmptySourceKeys: readonly string[]): string {
  const mode = tokenizer.countRanges === undefined ? 'count' : 'ranges';
  return `cx${SEGMENT_CACHE_SCHEMA}:c:${hash(`${SEGMENT_CACHE_SCHEMA}\u0000${tokenizer.name}\u0000${mode}\u0000${documentSeparator}\u0000${nonEmptySourceKeys.join('\u0001')}`)}`;
}

/** Key of one source's own token counts (its total and its units' counts, counted on the source alone). */
export function sourceCountsKey(hash: (text: string) => string, tokenizer: Tokenizer, sourceKey: string): string {
  return `cx${SEGMENT_CACHE_SCHEMA}:n:${hash(`${SEGMENT_CACHE_SCHEMA}\u0000${tokenizer.name}\u0000ranges\u0000${sourceKey}`)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// building and encoding entries

/** Segments one source alone (the default segmenter segments each source independently) and extracts its terms. */
export function buildSourceEntry(segmenter: Segmenter, source: Source): SourceEntry {
  const seg = segmenter.segment([source]);
  const n = seg.units.length;
  const units = new Uint32Array(n * 7);
  for (let i = 0; i < n; i++) {
    const u = seg.units[i]!;
    const kind = KIND_CODE.get(u.kind);
    if (kind === undefined) throw new Error(`unit kind ${u.kind} is not cacheable`);
    units.set([u.start, u.end, kind, u.section, u.block, u.positionInBlock, u.anchor + 1], i * 7);
  }
  const groups = (gs: readonly Group[]): Uint32Array => {
    const out = new Uint32Array(gs.length * 4);
    gs.forEach((g, i) => out.set([g.start, g.end, g.unitStart, g.unitEnd], i * 4));
    return out;
  };
  // term extraction exactly as buildScoringContext does it: every term of a word's first occurrence enters the
  // vocabulary, at most 7 of them are the word's term occurrences
  const vocabulary: string[] = [];
  const localId = new Map<string, number>();
  // a word's first-occurrence terms, packed as in buildScoringContext: offset * 8 + count into `wordTerms`
  const wordIds = new Map<string, number>();
  let wordTerms = new Uint32Array(1024);
  let wordTermsLength = 0;
  let terms = new Uint32Array(Math.max(16, n * 16));
  let count = 0;
  const push = (id: number): void => {
    if (count === terms.length) {
      const grown = new Uint32Array(terms.length * 2);
      grown.set(terms);
      terms = grown;
    }
    terms[count++] = id;
  };
  const termOffsets = new Uint32Array(n + 1);
  const text = source.text;
  const pending: number[] = [];
  const addPending = (term: string): void => {
    let id = localId.get(term);
    if (id === undefined) {
      id = vocabulary.length;
      localId.set(term, id);
      vocabulary.push(term);
    }
    pending.push(id);
  };
  const onWord = (ws: number, we: number, flags: number): void => {
    const raw = text.slice(ws, we);
    const packed = wordIds.get(raw);
    if (packed === undefined) {
      pending.length = 0;
      termsOfWord(raw, flags, addPending);
      const take = Math.min(pending.length, 7);
      if (wordTermsLength + take > wordTerms.length) {
        const grown = new Uint32Array(wordTerms.length * 2);
        grown.set(wordTerms);
        wordTerms = grown;
      }
      for (let k = 0; k < pending.length; k++) {
        if (k < 7) wordTerms[wordTermsLength + k] = pending[k]!;
        push(k < 7 ? pending[k]! : (pending[k]! | VOCAB_ONLY) >>> 0);
      }
      wordIds.set(raw, wordTermsLength * 8 + take);
      wordTermsLength += take;
      return;
    }
    const from = Math.floor(packed / 8);
    const to = from + (packed % 8);
    for (let k = from; k < to; k++) push(wordTerms[k]!);
  };
  for (let i = 0; i < n; i++) {
    const u = seg.units[i]!;
    termOffsets[i] = count;
    forEachWord(text, u.start, u.end, onWord);
  }
  termOffsets[n] = count;
  return { textLength: text.length, units, blocks: groups(seg.blocks), sections: groups(seg.sections), termOffsets, terms: terms.slice(0, count), vocabulary };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Layout: magic, checksum, then u32 header fields, u32 arrays, and the vocabulary as JSON (UTF-8). */
export function encodeSourceEntry(e: SourceEntry): Uint8Array {
  const vocab = encoder.encode(JSON.stringify(e.vocabulary));
  const arrays = [e.units, e.blocks, e.sections, e.termOffsets, e.terms];
  const headerWords = 2 + 1 + arrays.length + 1;
  const words = headerWords + arrays.reduce((s, a) => s + a.length, 0);
  const out = new Uint8Array(words * 4 + vocab.length);
  const u32 = new Uint32Array(out.buffer, 0, words);
  u32[0] = SOURCE_MAGIC;
  u32[2] = e.textLength;
  arrays.forEach((a, i) => (u32[3 + i] = a.length));
  u32[3 + arrays.length] = vocab.length;
  let at = headerWords;
  for (const a of arrays) {
    u32.set(a, at);
    at += a.length;
  }
  out.set(vocab, words * 4);
  u32[1] = checksum32(out.subarray(8));
  return out;
}

/** Decodes an entry; undefined when it is corrupt, truncated or inconsistent with the source (treated as a miss). */
export function decodeSourceEntry(bytes: Uint8Array, source: Source): SourceEntry | undefined {
  try {
    if (bytes.byteLength < 36) return undefined;
    const copy = bytes.slice();
    const head = new Uint32Array(copy.buffer, 0, 9);
    if (head[0] !== SOURCE_MAGIC || head[1] !== checksum32(copy.subarray(8))) return undefined;
    if (head[2] !== source.text.length) return undefined;
    const lengths = [head[3]!, head[4]!, head[5]!, head[6]!, head[7]!];
    const words = 9 + lengths.reduce((s, l) => s + l, 0);
    if (words * 4 + head[8]! !== copy.byteLength) return undefined;
    const u32 = new Uint32Array(copy.buffer, 0, words);
    let at = 9;
    const take = (length: number): Uint32Array => {
      const a = u32.subarray(at, at + length);
      at += length;
      return a;
    };
    const [units, blocks, sections, termOffsets, terms] = lengths.map(take) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const vocabulary = JSON.parse(decoder.decode(copy.subarray(words * 4))) as unknown;
    if (!Array.isArray(vocabulary) || !vocabulary.every((t) => typeof t === 'string')) return undefined;
    const n = units.length / 7;
    if (!Number.isInteger(n) || termOffsets.length !== n + 1 || blocks.length % 4 !== 0 || sections.length % 4 !== 0) return undefined;
    for (let i = 0; i < n; i++) {
      if (units[i * 7 + 1]! > source.text.length || units[i * 7]! > units[i * 7 + 1]! || units[i * 7 + 2]! >= KINDS.length) return undefined;
      if (units[i * 7 + 3]! >= sections.length / 4 || units[i * 7 + 4]! >= blocks.length / 4 || units[i * 7 + 6]! > n) return undefined;
      if (termOffsets[i]! > termOffsets[i + 1]!) return undefined;
    }
    if (termOffsets[n] !== terms.length) return undefined;
    for (let k = 0; k < terms.length; k++) if ((terms[k]! & 0x7fffffff) >= vocabulary.length) return undefined;
    for (const g of [blocks, sections]) for (let i = 0; i < g.length; i += 4) if (g[i + 3]! > n || g[i + 2]! > g[i + 3]!) return undefined;
    return { textLength: head[2]!, units, blocks, sections, termOffsets, terms, vocabulary: vocabulary as string[] };
  } catch {
    return undefined;
  }
}

export interface CountsEntry {
  readonly original: number;
  /** In-context unit counts of the whole input (absent when the tokenizer has no countRanges and units were not counted yet). */
  readonly unitTokens: Uint32Array | undefined;
}

export function encodeCounts(e: CountsEntry): Uint8Array {
  const n = e.unitTokens?.length ?? 0;
  const out = new Uint8Array(20 + n * 4);
  const u32 = new Uint32Array(out.buffer);
  u32[0] = COUNTS_MAGIC;
  u32[2] = e.unitTokens === undefined ? 0 : 1;
  new DataView(out.buffer).setFloat64(12, e.original, true);
  if (e.unitTokens !== undefined) new Uint32Array(out.buffer, 20, n).set(e.unitTokens);
  u32[1] = checksum32(out.subarray(8));
  return out;
}

export function decodeCounts(bytes: Uint8Array, units: number): CountsEntry | undefined {
  try {
    if (bytes.byteLength < 20 || bytes.byteLength % 4 !== 0) return undefined;
    const copy = bytes.slice();
    const u32 = new Uint32Array(copy.buffer);
    if (u32[0] !== COUNTS_MAGIC || u32[1] !== checksum32(copy.subarray(8))) return undefined;
    const original = new DataView(copy.buffer).getFloat64(12, true);
    if (!Number.isInteger(original) || original < 0) return undefined;
    if (u32[2] === 0) return copy.byteLength === 20 ? { original, unitTokens: undefined } : undefined;
    if (copy.byteLength !== 20 + units * 4) return undefined;
    return { original, unitTokens: new Uint32Array(copy.buffer, 20, units) };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// assembling a whole input from entries

/** Rebuilds the segmentation the segmenter would have returned for all `sources`, from their entries. */
export function assembleSegmentation(sources: readonly Source[], entries: readonly SourceEntry[]): Segmentation {
  const units: Unit[] = [];
  const blocks: Group[] = [];
  const sections: Group[] = [];
  for (let s = 0; s < sources.length; s++) {
    const e = entries[s]!;
    const source = sources[s]!.index;
    const uOff = units.length;
    const bOff = blocks.length;
    const sOff = sections.length;
    const a = e.units;
    for (let i = 0; i < a.length; i += 7) {
      const anchor = a[i + 6]!;
      units.push({
        index: units.length,
        source,
        section: sOff + a[i + 3]!,
        block: bOff + a[i + 4]!,
        start: a[i]!,
        end: a[i + 1]!,
        kind: KINDS[a[i + 2]!]!,
        positionInBlock: a[i + 5]!,
        anchor: anchor === 0 ? -1 : uOff + anchor - 1,
      });
    }
    for (const [g, out] of [
      [e.blocks, blocks],
      [e.sections, sections],
    ] as const) {
      for (let i = 0; i < g.length; i += 4)
        out.push({ index: out.length, source, start: g[i]!, end: g[i + 1]!, unitStart: uOff + g[i + 2]!, unitEnd: uOff + g[i + 3]! });
    }
  }
  return { sources, units, blocks, sections };
}

/**
 * The scoring context from entries: the same arrays, ids and vocabulary order as `buildScoringContext` (terms are
 * replayed in unit order and given global ids on first appearance, as there).
 */
export function contextFromEntries(
  segmentation: Segmentation,
  entries: readonly SourceEntry[],
  tokenizer: Tokenizer,
  query: string | undefined,
  unitTokens: Uint32Array | undefined,
): ScoringContext {
  const { units, sources } = segmentation;
  const n = units.length;
  const texts: string[] = new Array<string>(n);
  const tokens = unitTokens ?? new Uint32Array(n);
  const vocabulary = new Map<string, number>();
  const df: number[] = [];
  const lastSeen: number[] = [];
  let total = 0;
  for (const e of entries) total += e.terms.length;
  const ids = new Uint32Array(Math.max(16, total));
  let count = 0;
  const termOffsets = new Uint32Array(n + 1);
  let u = 0;
  for (let s = 0; s < entries.length; s++) {
    const e = entries[s]!;
    const text = sources[s]!.text;
    const global = new Int32Array(e.vocabulary.length).fill(-1);
    const units7 = e.units;
    const nu = units7.length / 7;
    for (let i = 0; i < nu; i++, u++) {
      const unitText = text.slice(units7[i * 7]!, units7[i * 7 + 1]!);
      texts[u] = unitText;
      if (unitTokens === undefined) tokens[u] = tokenizer.count(unitText);
      termOffsets[u] = count;
      for (let k = e.termOffsets[i]!; k < e.termOffsets[i + 1]!; k++) {
        const raw = e.terms[k]!;
        const local = raw & 0x7fffffff;
        let id = global[local]!;
        if (id < 0) {
          const term = e.vocabulary[local]!;
          id = vocabulary.get(term) ?? -1;
          if (id < 0) {
            id = vocabulary.size;
            vocabulary.set(term, id);
            df.push(0);
            lastSeen.push(-1);
          }
          global[local] = id;
        }
        if ((raw & VOCAB_ONLY) !== 0) continue;
        if (lastSeen[id] !== u) {
          lastSeen[id] = u;
          df[id] = df[id]! + 1;
        }
        ids[count++] = id;
      }
    }
  }
  termOffsets[n] = count;
  return {
    segmentation,
    texts,
    tokens,
    termOffsets,
    termIds: ids.subarray(0, count),
    vocabulary,
    documentFrequency: Uint32Array.from(df),
    ...queryTerms(query, vocabulary),
    query,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// the pipeline's use of the cache

/** Every key one call reads, in order: the sources' keys (all sources, empty ones included), then the counts key. */
export interface SegmentCacheKeys {
  readonly sourceKeys: readonly string[];
  readonly countsKey: string;
}

export function segmentCacheKeys(
  hash: (text: string) => string,
  segmenterId: string,
  tokenizer: Tokenizer,
  documentSeparator: string,
  sources: readonly Source[],
): SegmentCacheKeys {
  const sourceKeys = sources.map((s) => sourceCacheKey(hash, segmenterId, s));
  const nonEmptyKeys = sourceKeys.filter((_, i) => sources[i]!.text.length > 0);
  return { sourceKeys, countsKey: countsCacheKey(hash, tokenizer, documentSeparator, nonEmptyKeys) };
}

/** What `compressSync` gets from the cache: the segmentation, the per-source entries, and the counts when cached. */
export interface CachedInput {
  readonly segmentation: Segmentation;
  readonly entries: readonly SourceEntry[];
  readonly counts: CountsEntry | undefined;
  readonly keys: SegmentCacheKeys;
  /** Sources whose entries were found (for reports and tests). */
  readonly hits: number;
}

/**
 * Decoded entries by the identity of the stored bytes. An in-memory store hands back the same `Uint8Array` for a key on
 * every read, so a warm call decodes nothing; other stores return new arrays and simply miss here. Entries are never
 * mutated after decoding, and a key names its content, so an entry found here is the one the bytes decode to.
 */
const decodedSources = new WeakMap<Uint8Array, SourceEntry>();
const decodedCounts = new WeakMap<Uint8Array, CountsEntry>();

function decodeSourceEntryOnce(bytes: Uint8Array, source: Source): SourceEntry | undefined {
  const known = decodedSources.get(bytes);
  if (known !== undefined) return known.textLength === source.text.length ? known : undefined;
  const entry = decodeSourceEntry(bytes, source);
  if (entry !== undefined) decodedSources.set(bytes, entry);
  return entry;
}

function decodeCountsOnce(bytes: Uint8Array, units: number): CountsEntry | undefined {
  const known = decodedCounts.get(bytes);
  if (known !== undefined) return known.unitTokens === undefined || known.unitTokens.length === units ? known : undefined;
  const entry = decodeCounts(bytes, units);
  if (entry !== undefined) decodedCounts.set(bytes, entry);
  return entry;
}

/** Reads (or builds and writes) every source's entry and reads the counts entry. Never throws for a cache failure. */
export function loadSegments(
  options: SegmentCacheOptions,
  segmenter: Segmenter,
  segmenterId: string,
  tokenizer: Tokenizer,
  documentSeparator: string,
  sources: readonly Source[],
): CachedInput {
  const hash = options.hash ?? hash128;
  const keys = segmentCacheKeys(hash, segmenterId, tokenizer, documentSeparator, sources);
  const entries: SourceEntry[] = [];
  let hits = 0;
  for (let s = 0; s < sources.length; s++) {
    const key = keys.sourceKeys[s]!;
    const bytes = getSync(options.store, key);
    let entry = bytes === undefined ? undefined : decodeSourceEntryOnce(bytes, sources[s]!);
    if (entry !== undefined) hits++;
    else {
      entry = buildSourceEntry(segmenter, sources[s]!);
      setQuietly(options.store, key, encodeSourceEntry(entry));
    }
    entries.push(entry);
  }
  const segmentation = assembleSegmentation(sources, entries);
  const countsBytes = getSync(options.store, keys.countsKey);
  const counts = countsBytes === undefined ? undefined : decodeCountsOnce(countsBytes, segmentation.units.length);
  return { segmentation, entries, counts, keys, hits };
}

export function storeCounts(options: SegmentCacheOptions, key: string, counts: CountsEntry): void {
  setQuietly(options.store, key, encodeCounts(counts));
}
