/**
 * A fast, dependency-free 128-bit content hash for cache keys (core may not use `node:crypto`).
 *
 * Four independent 32-bit lanes (MurmurHash3-style multiply/rotate mixing over UTF-16 code units, different seeds and
 * constants) plus the length, finalised with the Murmur3 avalanche. Not cryptographic: an adversary who controls the
 * documents can construct collisions. For accidental collisions between honest inputs the risk is ~n²/2¹²⁹ (negligible
 * for any realistic cache). A collision would make the cache return another document's segmentation; entries are also
 * checked against the source text's length, so a stale entry must match in hash *and* length. Where inputs are
 * untrusted, pass `hash` (e.g. SHA-256 from `node:crypto`, as `@ctxpress/node` does).
 * @module
 */

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex(h: number): string {
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** 128-bit non-cryptographic hash of `text` as 32 hex digits (see the module note on collision risk). */
export function hash128(text: string): string {
  let h1 = 0x9747b28c;
  let h2 = 0x2f6b7a1d;
  let h3 = 0x5bd1e995;
  let h4 = 0x1b873593;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    let k = Math.imul(c ^ 0x5a5a, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ c, 0x01000193);
    h2 = (h2 << 11) | (h2 >>> 21);
    k = Math.imul(c + 0x9e37, 0x85ebca6b);
    h3 = (Math.imul(h3 ^ k, 0x27d4eb2d) + 0x165667b1) | 0;
    h4 = Math.imul((h4 << 5) | (h4 >>> 27), 0xc2b2ae35) ^ Math.imul(c, 0x9e3779b1);
  }
  h1 ^= n;
  h2 ^= n;
  h3 ^= n;
  h4 ^= n;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return hex(h1) + hex(h2) + hex(h3) + hex(h4);
}

/** 32-bit checksum of bytes (FNV-1a), used to reject corrupt cache values. */
export function checksum32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
