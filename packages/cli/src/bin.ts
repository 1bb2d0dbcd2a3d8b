/**
 * The process edge: the only module that reads `process.argv`, touches the real stdio and calls `process.exit`.
 * @module
 */
import { runCli } from './cli.js';

/** Flushes stdout and stderr, then exits: `process.exit` alone may cut off output still queued on a pipe. */
function exit(code: number): void {
  process.exitCode = code;
  let exited = false;
  const finish = (): void => {
    if (exited) return;
    exited = true;
    process.exit(code);
  };
  let pending = 2;
  const flushed = (): void => {
    if (--pending === 0) finish();
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
  // Safety net if a stream never calls back (for example a pipe closed by the reader).
  setTimeout(finish, 1000).unref();
}

// `ctxpress … | head` closes stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') exit(0);
  else throw error;
});

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTTY: process.stdin.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
});
exit(code);
