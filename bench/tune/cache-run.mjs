import { runCacheBench } from '/work/main/bench/dist/cache-bench.js';
import { getTokenizer } from '@ctxpress/node';
const r = await runCacheBench({ tokenizer: await getTokenizer('o200k_base'), dataDir: '/work/shared/data' });
console.log(r.markdown.split('\n').filter(l => l.startsWith('|')).join('\n'));
