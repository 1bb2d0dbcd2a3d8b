// Aggregates a .cpuprofile by function (self ms), top N: node bench/tune/cpuagg.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';
const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 40);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) {
  const n = byId.get(prof.samples[i]);
  const f = n.callFrame;
  let name = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  if (f.url === '' && parent.has(n.id)) { const p = byId.get(parent.get(n.id)).callFrame; name += ` <- ${p.functionName} ${p.url.split('/').slice(-1)}:${p.lineNumber + 1}`; }
  self.set(name, (self.get(name) ?? 0) + (dt[i] ?? 0) / 1000);
}
let total = 0; for (const v of self.values()) total += v;
console.log(`total ${total.toFixed(0)} ms`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${v.toFixed(1).padStart(8)}  ${k}`);
