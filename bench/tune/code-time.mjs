// Where compressCode spends its time on a bench fixture repository (parse vs the rest), repeated calls.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compressCode } from '@ctxpress/node';
const root = new URL('../fixtures/code/ts-billing', import.meta.url).pathname;
const files = [];
const walk = (dir) => { for (const name of readdirSync(dir)) { const p = join(dir, name); if (statSync(p).isDirectory()) walk(p); else if (/\.(ts|py|go|rs|java|cpp|h)$/.test(name)) files.push({ path: p.slice(root.length + 1), text: readFileSync(p, 'utf8') }); } };
walk(root);
for (let i = 0; i < Number(process.env.RUNS ?? 5); i++) {
  const t = performance.now();
  const r = await compressCode(files, { query: 'invoice total with tax', budget: { ratio: 4 } });
  console.log(files.length, 'files', r.tokens.original, 'tokens', (performance.now() - t).toFixed(1), 'ms', JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, +v.toFixed(1)]))));
}
