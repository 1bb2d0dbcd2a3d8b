/* global process, URL */
// `npm start`: compresses the bundled sample with a query and prints the result and its statistics (the CLI's
// --explain view), then serves the playground and the API on http://127.0.0.1:8787 with the embedded on-disk cache in
// .ctxpress-cache/ until Ctrl-C. See docs/decisions/0012-npm-start.md. Extra arguments go to `ctxpress serve`.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));

const demo = spawnSync(
  process.execPath,
  [bin, 'compress', 'packages/cli/samples/sample.md', '--query', 'What limits the battery life of the rover?', '--ratio', '4', '--explain'],
  { cwd: root, stdio: 'inherit' },
);
if (demo.status !== 0) process.exit(demo.status ?? 1);

const serve = spawn(process.execPath, [bin, 'serve', '--cache', '.ctxpress-cache', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => serve.kill(signal));
serve.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
