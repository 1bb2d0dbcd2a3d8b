import { compressSync } from '@ctxpress/core';
import { wordTokenizer } from '@ctxpress/core/testing';
const ARTICLE = ['Rover power','','The rover carries two solar arrays that feed the main bus. The arrays were built by a team in Pasadena.','Dust on the arrays cut their output by 40 percent in the first winter. Engineers measured the loss every sol.','','Cold nights drain the battery because heaters must keep the electronics warm. This survival load dominates in winter.','The radio uses little power. It transmits twice a day through an orbiter.','','The wheels were redesigned after cracks appeared. Aluminium was replaced by titanium in the spare set.'].join('\n');
const r = compressSync(ARTICLE, { budget: { tokens: 25 }, query: 'titanium Pasadena', tokenizer: wordTokenizer(), separator: ' … ' });
console.log(JSON.stringify(r.text), r.kept);
const e = compressSync(ARTICLE, { budget: { tokens: 25 }, query: 'titanium Pasadena', tokenizer: wordTokenizer(), explain: true });
for (const u of e.units) console.log(u.decision, u.tokens, u.score.toFixed(3), u.gain, JSON.stringify(ARTICLE.slice(u.span.start, u.span.end).slice(0, 50)), JSON.stringify(u.scores));
