import { compress, getTokenizer } from '@ctxpress/node';
import fs from 'node:fs';
const tok = await getTokenizer('o200k_base');
const pool = fs.readFileSync('/work/shared/data/niah_paulgraham.jsonl', 'utf8').split('\n').filter(Boolean).map(JSON.parse).map((e) => e.context);
let text = '';
for (const c of pool) { text += c + '\n\n'; if (text.length > Number(process.argv[2] ?? 420000)) break; }
const q = 'What is the best thing to do in San Francisco?';
for (let i = 0; i < 3; i++) await compress(text, { budget: { ratio: 10 }, query: q, tokenizer: tok });
const t0 = performance.now();
let r;
for (let i = 0; i < 5; i++) r = await compress(text, { budget: { ratio: 10 }, query: q, tokenizer: tok });
console.log('tokens', r.tokens, 'ms/run', ((performance.now() - t0) / 5).toFixed(1), JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, +v.toFixed(1)]))));
const t1 = performance.now(); for (let i = 0; i < 5; i++) tok.count(text); console.log('count ms', ((performance.now() - t1) / 5).toFixed(1));
