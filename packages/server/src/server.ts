/**
 * `startServer(config)`: listens (default 127.0.0.1:8787) and returns the URL and a `close()`.
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { closeApp, createApp, warmApp, type AppConfig, type AppOptions } from './app.js';
import { resolveConfig, type RawConfig } from './config.js';
import { checkCacheDependency } from './dependencies.js';

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8787` (the real port when the config asked for port 0). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, ends connections with no request in flight, and waits up to 10 s for open requests (streams) to finish. */
  close(): Promise<void>;
}

const graceMs = 10_000;

export async function startServer(config: AppConfig = {}, options: AppOptions = {}): Promise<RunningServer> {
  const resolved = resolveConfig(config as RawConfig);
  await checkCacheDependency(resolved.cache); // DEPENDENCY_MISSING: a Redis cache without ioredis installed
  const app = createApp(resolved, options);
  warmApp(app);
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, port: resolved.port, hostname: resolved.host }, () => resolve(created as Server)) as Server;
    created.once('error', reject);
  });
  // Connections with no request in flight, including ones opened but never used (which closeIdleConnections leaves),
  // are ended on close; busy ones get the grace period.
  const sockets = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, 0);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    sockets.set(socket, (sockets.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (sockets.has(socket)) sockets.set(socket, Math.max(0, (sockets.get(socket) ?? 1) - 1));
      if (closing !== undefined && sockets.get(socket) === 0) socket.destroy();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : closeApp(app).then(resolve, reject)));
        for (const [socket, busy] of sockets) if (busy === 0) socket.destroy();
        // Streams still open after the grace period are cut.
        setTimeout(() => server.closeAllConnections(), graceMs).unref();
      })),
  };
}
