/**
 * The README's copy-paste example is examples/basic.mjs, run here as a user runs it: `node` resolving
 * `@ctxpress/llamaindex` through the workspace link to the built `dist/` (`npm test` builds first).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL('../', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../examples/basic.mjs', import.meta.url));

/** What the example prints: the answer-bearing node only, with its retriever score and its kept spans. */
function checkExampleOutput(stdout: string): void {
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^\[rover-report\.md\] \(score 0\.8\) /);
  expect(stdout).toContain('Battery life is limited by the cold: at -40 °C the lithium cells lose about 60% of their capacity.');
  expect(stdout).not.toContain('cafeteria');
  expect(stdout).not.toContain('documentary');
  expect(stdout).toMatch(/kept spans: \[\{"start":\d+,"end":\d+\}/);
}

describe('examples/basic.mjs', () => {
  it('runs a RetrieverQueryEngine and prints the answer-bearing passage of the relevant node, under the budget', async () => {
    if (!existsSync(`${PACKAGE}dist/index.js`)) throw new Error('packages/llamaindex/dist is missing: run `npm run build` first');
    const { stdout } = await run(process.execPath, [EXAMPLE], { cwd: PACKAGE });
    checkExampleOutput(stdout);
  });

  it('is exactly the README example', () => {
    const readme = readFileSync(`${PACKAGE}README.md`, 'utf8');
    const block = /<!-- example: examples\/basic\.mjs -->\n```js\n([\s\S]*?)```/.exec(readme);
    expect(block?.[1]).toBe(readFileSync(EXAMPLE, 'utf8'));
  });
});
