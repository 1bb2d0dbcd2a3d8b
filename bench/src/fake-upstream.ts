/**
 * A minimal OpenAI-compatible upstream on 127.0.0.1 for the service benchmarks: answers every request with a fixed chat
 * completion after `delayMs`, and optionally records each request body.
 * @module
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUpstream {
  readonly url: string;
  /** The request bodies received, in order (only with `record`). */
  readonly bodies: string[];
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  readonly delayMs?: number;
  readonly record?: boolean;
}

const ANSWER = JSON.stringify({
  id: 'cmpl-bench',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
});

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function fakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const delayMs = options.delayMs ?? 0;
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      if (options.record === true) bodies.push(body);
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(ANSWER);
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL nothing listens on (an upstream that is down). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
