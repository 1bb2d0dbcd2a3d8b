// The speed suite's text pool, cached in /tmp (building it reads all of shared/data): shared by the perf scripts here.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { buildTextPool } from '../dist/speed.js';
import { dataDirectory } from '../dist/data.js';
export const POOL_FILE = '/tmp/perf/speed-pool.json';
export function loadPool() {
  if (!existsSync(POOL_FILE)) {
    mkdirSync('/tmp/perf', { recursive: true });
    writeFileSync(POOL_FILE, JSON.stringify(buildTextPool(dataDirectory())));
  }
  return JSON.parse(readFileSync(POOL_FILE, 'utf8'));
}
