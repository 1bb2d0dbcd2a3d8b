// Pre-tokenizer regex alone over the speed input: a sticky test() loop vs one global match() vs a matchAll loop.
import { loadPool } from './pool.mjs';
import { getTokenizer } from '@ctxpress/node';
import { assemble } from '../dist/speed.js';
const mod = await import('gpt-tokenizer/encoding/o200k_base');
const core = mod.default.bytePairEncodingCoreProcessor;
const tok = await getTokenizer('o200k_base');
const input = assemble(loadPool().blocks, 0, 100000, tok);
const y = new RegExp(core.tokenSplitRegex.source, 'yu');
const g = new RegExp(core.tokenSplitRegex.source, 'gu');
const variants = {
  stickyTest: () => { let n = 0; let at = 0; while (at < input.length) { y.lastIndex = at; if (!y.test(input)) break; at = y.lastIndex; n++; } return n; },
  globalMatch: () => input.match(g).length,
  matchAll: () => { let n = 0; for (const m of input.matchAll(g)) n += m[0].length > 0 ? 1 : 0; return n; },
  execLoop: () => { let n = 0; g.lastIndex = 0; for (let m = g.exec(input); m !== null; m = g.exec(input)) n++; return n; },
};
const med = (xs) => { const a = [...xs].sort((p, q) => p - q); return a[a.length >> 1]; };
const r = {};
for (let k = 0; k < 11; k++) for (const [name, fn] of Object.entries(variants)) { globalThis.gc(); const s = performance.now(); const v = fn(); (r[name] ??= { v, ms: [] }).ms.push(performance.now() - s); }
for (const [name, x] of Object.entries(r)) console.log(name.padEnd(12), x.v, 'med', med(x.ms).toFixed(1), 'min', Math.min(...x.ms).toFixed(1));
