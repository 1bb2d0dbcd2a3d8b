/**
 * Worker thread of the quality suite: one tokenizer per thread, examples in, records out.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getTokenizer } from '@ctxpress/node';
import { evaluateExample, type QualityConfig, type WorkerRequest, type WorkerResponse } from './quality.js';

const port = parentPort;
if (port === null) throw new Error('quality-worker.js must run in a worker thread');
const config = workerData as QualityConfig;
const tokenizer = await getTokenizer('o200k_base');

const send = (message: WorkerResponse): void => port.postMessage(message);

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'stop') {
    port.close();
    return;
  }
  evaluateExample(request.task, request.example, config, tokenizer).then(
    (records) => send({ type: 'result', records }),
    (error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
send({ type: 'ready' });
