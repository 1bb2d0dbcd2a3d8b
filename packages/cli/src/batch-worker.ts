/**
 * Worker thread of `ctxpress batch`: loads `@ctxpress/node` once, then compresses each line it is sent.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { compress } from '@ctxpress/node';
import type { BatchTask, WorkerMessage } from './batch-protocol.js';
import { handleBatchLine } from './batch-request.js';

if (!parentPort) throw new Error('batch-worker.js runs as a worker thread of `ctxpress batch`, not on its own');
const port = parentPort;

port.on('message', (task: BatchTask) => {
  const limits = task.timeLimitMs === undefined ? {} : { timeLimitMs: task.timeLimitMs };
  void handleBatchLine(task.line, task.lineNumber, compress, limits).then((outcome) => {
    const message: WorkerMessage = { type: 'done', seq: task.seq, ...outcome };
    port.postMessage(message);
  });
});

const ready: WorkerMessage = { type: 'ready' };
port.postMessage(ready);
