// Byte-identity check for performance work: runs compress() over many inputs and options and writes one hash per call.
// Usage: node bench/tune/identical.mjs OUT.json [perTask=40] [ROOT=this checkout]   (compare: --compare A.json B.json)
// ROOT is the checkout whose packages/core and packages/node dist are tested (e.g. a `git archive HEAD` copy, built).
// Calls core's compressSync directly, so other packages' work in progress does not move the hashes.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTask, listTaskFiles, dataDirectory } from '../dist/data.js';
import { buildTextPool, assemble } from '../dist/speed.js';

if (process.argv[2] === '--compare') {
  const a = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  const b = JSON.parse(readFileSync(process.argv[4], 'utf8'));
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  let diff = 0;
  for (const k of keys) if (a[k] !== b[k]) { if (diff++ < 20) console.log('DIFF', k); }
  console.log(`${keys.size} calls compared, ${diff} differ`);
  process.exit(diff === 0 ? 0 : 1);
}

const out = process.argv[2] ?? '/tmp/identical.json';
const perTask = Number(process.argv[3] ?? 40);
const root = process.argv[4] ?? fileURLToPath(new URL('../../', import.meta.url));
const { compressSync } = await import(`${root}/packages/core/dist/index.js`);
const { memoryCacheStore } = await import(`${root}/packages/core/dist/cache/index.js`);
const { wordTokenizer } = await import(`${root}/packages/core/dist/testing/index.js`);
const { getTokenizer } = await import(`${root}/packages/node/dist/tokenizers/registry.js`);
const { compressCode } = await import(`${root}/packages/node/dist/code/index.js`);
const compress = async (input, options) => compressSync(input, options);
const store = memoryCacheStore();
const o200k = await getTokenizer('o200k_base');
const cl100k = await getTokenizer('cl100k_base');
const word = wordTokenizer();
const hashes = {};
const h = (value) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 24);
const strip = (r) => ({ ...r, timings: undefined });
const record = async (key, fn) => {
  try {
    hashes[key] = h(strip(await fn()));
  } catch (e) {
    hashes[key] = `error:${e?.code ?? ''}:${e?.message ?? e}`;
  }
};

let calls = 0;
for (const file of listTaskFiles(dataDirectory())) {
  const task = loadTask(file);
  const step = Math.max(1, Math.floor(task.examples.length / perTask));
  for (let i = 0; i < task.examples.length && i < step * perTask; i += step) {
    const ex = task.examples[i];
    const input = ex.context ?? ex.documents.map((d) => ({ title: d.title, text: d.text }));
    for (const ratio of [2, 4, 10, 20]) {
      const base = `${task.name}:${ex.id}:${ratio}`;
      await record(`${base}:q`, () => compress(input, { budget: { ratio }, query: ex.question, tokenizer: o200k }));
      await record(`${base}:noq`, () => compress(input, { budget: { ratio }, tokenizer: o200k }));
      if (ratio === 4 || ratio === 10) {
        await record(`${base}:q:prune`, () => compress(input, { budget: { ratio }, query: ex.question, tokenizer: o200k, prune: 0.3 }));
        await record(`${base}:noq:prune`, () => compress(input, { budget: { ratio }, tokenizer: o200k, prune: 0.3, explain: true }));
        await record(`${base}:q:explain`, () => compress(input, { budget: { ratio }, query: ex.question, tokenizer: o200k, explain: true }));
        await record(`${base}:q:cl100k:sep`, () => compress(input, { budget: { ratio }, query: ex.question, tokenizer: cl100k, separator: ' … ', documentSeparator: '\n---\n' }));
        await record(`${base}:q:word`, () => compressSync(input, { budget: { ratio }, query: ex.question, tokenizer: word, explain: true }));
        await record(`${base}:q:keep`, () => compress(input, { budget: { ratio }, query: ex.question, tokenizer: o200k, keep: [/\d{4}/] }));
        await record(`${base}:q:cache`, () => compress(input, { budget: { ratio }, query: ex.question, tokenizer: o200k, cache: { store } }));
        await record(`${base}:q:cache2`, () => compress(input, { budget: { ratio }, query: ex.question, tokenizer: o200k, cache: { store } }));
        await record(`${base}:q:tokens`, () => compress(input, { budget: { tokens: 300 }, query: ex.question, tokenizer: o200k }));
        calls += 9;
      }
      calls += 2;
    }
    if (task.kind === 'code' && typeof compressCode === 'function' && typeof input === 'string') {
      for (const ratio of [2, 4, 10]) {
        await record(`${task.name}:${ex.id}:${ratio}:code`, () => compressCode(input, { budget: { ratio }, query: ex.question, tokenizer: 'o200k_base' }));
        calls++;
      }
    }
  }
}
// the speed suite's inputs
const pool = buildTextPool(dataDirectory());
for (const size of [1000, 10000, 100000]) {
  const input = assemble(pool.blocks, 0, size, o200k);
  for (const ratio of [2, 4, 10, 20]) {
    await record(`speed:${size}:${ratio}:q`, () => compress(input, { budget: { ratio }, query: pool.query, tokenizer: o200k }));
    await record(`speed:${size}:${ratio}:noq`, () => compress(input, { budget: { ratio }, tokenizer: o200k }));
    await record(`speed:${size}:${ratio}:prune`, () => compress(input, { budget: { ratio }, query: pool.query, tokenizer: o200k, prune: 0.3, explain: true }));
    calls += 3;
  }
}
writeFileSync(out, JSON.stringify(hashes, null, 0));
const errors = Object.values(hashes).filter((v) => v.startsWith('error')).length;
console.log(`${Object.keys(hashes).length} calls hashed (${errors} errors) → ${out}`);
