// CPU profile of compress() on the speed input, N calls each after a forced GC + 25 ms, setup excluded.
// node --expose-gc bench/tune/cpuloop.mjs [size] [n] [out.cpuprofile] [count]  ("count": profile tokenizer.count instead)
import { loadPool } from './pool.mjs';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { compress, getTokenizer } from '@ctxpress/node';
import { assemble } from '../dist/speed.js';
const size = Number(process.argv[2] ?? 100000);
const n = Number(process.argv[3] ?? 20);
const out = process.argv[4] ?? '/tmp/perf/loop.cpuprofile';
const countOnly = process.argv[5] === 'count';
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const input = assemble(pool.blocks, 0, size, tok);
const warm = assemble(pool.blocks, Math.floor(pool.blocks.length / 2), size, tok);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
for (let i = 0; i < 3; i++) { await compress(warm, opts); tok.count(warm); }
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
let ms = 0;
for (let i = 0; i < n; i++) {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 25));
  if (i === 0) await session.post('Profiler.start');
  else await session.post('Profiler.start').catch(() => undefined);
  const t = performance.now();
  if (countOnly) tok.count(input); else await compress(input, opts);
  ms += performance.now() - t;
  const { profile } = await session.post('Profiler.stop');
  if (i === 0) globalThis.__profiles = [];
  globalThis.__profiles.push(profile);
}
// merge: concatenate samples of all profiles into the first one's node table by id remapping
const merged = { nodes: [], samples: [], timeDeltas: [], startTime: 0, endTime: 0 };
let offset = 0;
for (const p of globalThis.__profiles) {
  let max = 0;
  for (const node of p.nodes) { merged.nodes.push({ ...node, id: node.id + offset, children: (node.children ?? []).map((c) => c + offset) }); if (node.id > max) max = node.id; }
  for (const s of p.samples) merged.samples.push(s + offset);
  merged.timeDeltas.push(...p.timeDeltas.map((d, i) => (i === 0 ? 0 : d)));
  offset += max + 1;
}
writeFileSync(out, JSON.stringify(merged));
console.log(`${n} calls, ${(ms / n).toFixed(1)} ms/call (profiled)`);
