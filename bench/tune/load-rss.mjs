// RSS over repeated passes of the load benchmark (does the server's RSS level off?).
import { runLoadBench } from '../dist/load-bench.js';
const r = await runLoadBench({ passes: Number(process.env.PASSES ?? 4), durationMs: Number(process.env.MS ?? 3000), faults: false });
console.log('RSS after each pass (MB):', r.rssAfterPassMB.map((x) => x?.toFixed(0)).join(', '));
