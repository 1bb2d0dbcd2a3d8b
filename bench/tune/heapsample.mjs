// Sampling allocation profile (objects collected by GC included) of compress() on the speed suite's 100k input:
// allocated bytes by function (self), top 30. node bench/tune/heapsample.mjs [size]
import { loadPool } from './pool.mjs';
import { Session } from 'node:inspector/promises';
import { getTokenizer, compressSync } from '@ctxpress/node';
import { assemble } from '../dist/speed.js';
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const size = Number(process.argv[2] ?? 100000);
const input = assemble(pool.blocks, 0, size, tok);
const warm = assemble(pool.blocks, Math.floor(pool.blocks.length / 2), size, tok);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
for (let i = 0; i < 3; i++) compressSync(warm, opts);
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const rounds = 5;
for (let i = 0; i < rounds; i++) compressSync(input, opts);
const { profile } = await session.post('HeapProfiler.stopSampling');
const byFn = new Map();
let total = 0;
const walk = (node, stack) => {
  const f = node.callFrame;
  let name = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  if (f.url === '' && stack.length > 0) name = `${name} <- ${stack[stack.length - 1]}`;
  const self = node.selfSize;
  total += self;
  byFn.set(name, (byFn.get(name) ?? 0) + self);
  for (const c of node.children) walk(c, [...stack, name]);
};
walk(profile.head, []);
console.log(`total ${(total / rounds / 1e6).toFixed(2)} MB per call`);
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(v / rounds / 1e6).toFixed(2).padStart(7)} MB  ${k}`);
