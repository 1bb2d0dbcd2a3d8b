// Runs bench/dist/speed-child.js (the speed suite's own child) at one size with more runs, and prints medians/minimums
// of compress, tokenize, their ratio and the stages. Usage: node bench/tune/speedrun.mjs [size=100000] [runs=15] [repeats=1] [extra node flags…]
import { execFileSync } from 'node:child_process';
import { loadPool, POOL_FILE } from './pool.mjs';
const size = Number(process.argv[2] ?? 100000);
const runs = Number(process.argv[3] ?? 15);
const repeats = Number(process.argv[4] ?? 1);
const flags = process.argv.slice(5);
loadPool();
const poolFile = POOL_FILE;
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const child = new URL('../dist/speed-child.js', import.meta.url).pathname;
for (let rep = 0; rep < repeats; rep++) {
  const out = execFileSync(process.execPath, ['--expose-gc', ...flags, child, JSON.stringify({ poolFile, targetTokens: size, runs, ratio: 10 })], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{"ok"')).pop();
  const { result: r } = JSON.parse(line);
  const ratios = r.compressMs.map((c, i) => c / r.tokenizeMs[i]);
  const stages = {};
  for (const k of Object.keys(r.timings[0])) stages[k] = +med(r.timings.map((t) => t[k])).toFixed(1);
  console.log(`compress med ${med(r.compressMs).toFixed(1)} min ${Math.min(...r.compressMs).toFixed(1)} | tokenize med ${med(r.tokenizeMs).toFixed(1)} min ${Math.min(...r.tokenizeMs).toFixed(1)} | ratio(med) ${(med(r.compressMs) / med(r.tokenizeMs)).toFixed(2)} ratio(min/min) ${(Math.min(...r.compressMs) / Math.min(...r.tokenizeMs)).toFixed(2)} med-of-pairs ${med(ratios).toFixed(2)}`);
  console.log('  stages', JSON.stringify(stages));
  if (flags.includes('--trace-gc')) {
    const gcs = out.split('\n').filter((l) => /Mark-Compact|Scavenge|Mark-sweep/.test(l));
    console.log(`  gc lines: ${gcs.length} (scavenge ${gcs.filter((l) => l.includes('Scavenge')).length})`);
  }
}
