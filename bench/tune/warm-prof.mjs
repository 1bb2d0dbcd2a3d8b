// Warm-cache compressSync on the cache bench's ~109k-token set: stage timings of repeated warm calls (new queries).
import { compressSync } from '@ctxpress/core';
import { memoryCacheStore } from '@ctxpress/core/cache';
import { getTokenizer } from '@ctxpress/node';
import { cacheBenchDocuments } from '../dist/cache-bench.js';
const tokenizer = await getTokenizer('o200k_base');
const { documents, queryA, queryB } = cacheBenchDocuments('/work/shared/data', tokenizer, 100_000);
const store = memoryCacheStore();
const queries = [queryA, queryB, 'Who wrote about startups and cities?', 'When was the meeting about the budget?', 'What did the Normans speak?'];
compressSync(documents, { tokenizer, budget: { ratio: 10 }, query: queryA, cache: { store } });
for (let round = 0; round < 4; round++) {
  for (const query of queries) {
    const t = performance.now();
    const r = compressSync(documents, { tokenizer, budget: { ratio: 10 }, query, cache: { store } });
    const ms = performance.now() - t;
    if (round === 3) console.log(ms.toFixed(1), Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(' '));
  }
}
const t = performance.now();
for (const query of queries) compressSync(documents, { tokenizer, budget: { ratio: 10 }, query });
console.log('uncached mean', ((performance.now() - t) / queries.length).toFixed(1));
