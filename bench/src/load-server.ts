/**
 * The server of the load benchmark, in its own process so the load generator does not share its event loop: starts
 * @ctxpress/server on 127.0.0.1:0 with the spec in argv[2] (upstream, cache, a throwing compressor for the fault run,
 * the time limit),
 * prints `{"url","pid"}` on stdout, and stops on SIGTERM or when stdin closes.
 * @module
 */
import { startServer } from '@ctxpress/server';
import type { LoadServerSpec } from './load-bench.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadServerSpec;
const server = await startServer(
  {
    port: 0,
    host: '127.0.0.1',
    timeoutMs: spec.timeoutMs ?? 60_000,
    maxBodyBytes: 64 * 1024 * 1024,
    ...(spec.upstream === undefined ? {} : { upstream: spec.upstream }),
    ...(spec.cache === undefined ? {} : { cache: spec.cache }),
  },
  spec.failCompress === true
    ? {
        compressChat: () => {
          throw new Error('forced failure (load benchmark fault run)');
        },
      }
    : {},
);
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
