import { getTokenizer } from '@ctxpress/node';
import { readFileSync } from 'node:fs';
const t = await getTokenizer('o200k_base');
const lines = readFileSync('/work/shared/data/squad_article.jsonl','utf8').trim().split('\n').map(l=>JSON.parse(l).context);
const text = lines.slice(0, 12).join('\n\n');
const E = new Uint32Array(0);
console.log('tokens', t.count(text), t.countRanges(text, E, E).total);
for (const [name, f] of [['count', () => t.count(text)], ['ranges', () => t.countRanges(text, E, E).total]]) {
  for (let i = 0; i < 20; i++) f();
  const s = performance.now(); for (let i = 0; i < 50; i++) f(); console.log(name, ((performance.now() - s) / 50).toFixed(2), 'ms');
}
