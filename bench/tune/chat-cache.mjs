// compressChat over a growing 50-turn agent conversation (tool results = SQuAD articles), without and with a cache.
import { compressChat, getTokenizer, memoryCacheStore } from '@ctxpress/node';
import { agentConversation } from '../dist/conversation-bench.js';
const tok = await getTokenizer('o200k_base');
const snaps = agentConversation('/work/shared/data', 50);
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
