/**
 * Test helper (export "@ctxpress/node/testing", not part of the compression API): a throwaway `redis-server` on a free
 * port of 127.0.0.1, no config file, no persistence. Used by the Redis cache tests of @ctxpress/node, @ctxpress/server
 * and @ctxpress/cli.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export const REDIS_INSTALL_HINT = 'redis-server is not installed: apt-get install -y redis-server (or set CTXPRESS_SKIP_REDIS_TESTS=1 to skip these tests)';

/** True when the Redis tests should be skipped (`CTXPRESS_SKIP_REDIS_TESTS=1`). */
export function skipRedisTests(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.CTXPRESS_SKIP_REDIS_TESTS === '1';
}

/** The path of `redis-server` on PATH, or undefined. */
export function findRedisServer(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Sends one command (inline form: arguments without spaces or line breaks) and resolves with the first line of the
 * reply (e.g. `+PONG`, `:3`, `-ERR …`), or undefined on a connection error or after `timeoutMs`.
 */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (line: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(line);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('connect', () => socket.write(`${args.join(' ')}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(reply.slice(0, end));
    });
    socket.on('error', () => done(undefined));
  });
}

/** Sends PING and resolves true on `+PONG` within `timeoutMs`. */
export async function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return (await redisCommand(port, ['PING'], timeoutMs)) === '+PONG';
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Kills the server (SIGKILL) and resolves when it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every server this process started, synchronously (for `process.on('exit')`). */
function killAll(): void {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/**
 * Starts `redis-server --bind 127.0.0.1 --port P --save '' --appendonly no --daemonize no` on a free port and waits
 * until it answers PING. Throws with the apt-get hint when redis-server is not installed. Always `stop()` it (afterAll);
 * it is also killed when this process exits.
 */
export async function startRedisServer(options: { readonly startTimeoutMs?: number } = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (binary === undefined) throw new Error(REDIS_INSTALL_HINT);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAll);
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    running.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.once('exit', () => running.delete(child));
    child.once('error', (error) => (stderr += String(error)));
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
      running.delete(child);
    };
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await ping(port, 300)) {
        return { port, url: `redis://127.0.0.1:${port}`, pid: child.pid!, stop };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    lastError = stderr.trim() || `exit code ${String(child.exitCode)}`;
    await stop();
    if (Date.now() >= deadline) break; // port taken meanwhile: try another one
  }
  throw new Error(`redis-server did not start: ${lastError}`);
}
