// Times compressChat over a growing 50-turn agent conversation (tool results = SQuAD articles).
import { readFileSync } from 'node:fs';
import { compressChat, getTokenizer } from '@ctxpress/node';
const lines = readFileSync('/work/shared/data/squad_article.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const tok = await getTokenizer('o200k_base');
const history = [{ role: 'system', content: 'You are a research assistant. Use the search tool to answer questions.' }];
const snaps = [];
for (let t = 0; t < 50; t++) {
  const ex = lines[t % lines.length];
  history.push({ role: 'user', content: ex.question });
  const id = `call_${t}`;
  history.push({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'search', arguments: JSON.stringify({ q: ex.question }) } }] });
  history.push({ role: 'tool', tool_call_id: id, content: ex.context.slice(0, 6000) });
  history.push({ role: 'assistant', content: `The answer is ${ex.answers[0]}.` });
  snaps.push(history.map((m) => ({ ...m })));
}
const budget = { tokens: 8000 };
let total = 0;
const times = [];
for (const [i, s] of snaps.entries()) {
  const t0 = performance.now();
  const r = await compressChat(s, { budget, tokenizer: tok });
  const ms = performance.now() - t0;
  total += ms;
  times.push(ms);
  if (i % 10 === 9) console.log(i + 1, r.tokens, ms.toFixed(1));
}
console.log('total', total.toFixed(0), 'last', times.at(-1).toFixed(1));
