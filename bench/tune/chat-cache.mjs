// compressChat over a growing 50-turn agent conversation (tool results = SQuAD articles), without and with a cache.
import { readFileSync } from 'node:fs';
import { compressChat, getTokenizer, memoryCacheStore } from '@ctxpress/node';
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
for (const mode of (process.env.MODES ?? 'none,memory,none,memory').split(',')) {
  const store = mode === 'memory' ? memoryCacheStore() : undefined;
  let total = 0;
  let last = 0;
  let same = true;
  for (const s of snaps) {
    const t0 = performance.now();
    const r = await compressChat(s, { budget, tokenizer: tok, ...(store ? { cache: store } : {}) });
    last = performance.now() - t0;
    total += last;
  }
  console.log(mode, 'total', total.toFixed(0), 'ms; last turn', last.toFixed(1), 'ms');
}
