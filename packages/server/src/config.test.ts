import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig, resolveConfig } from './config.js';
import { upstreamUrl } from './proxy.js';

describe('configuration', () => {
  it('has safe defaults: loopback, port 8787, fail-open, safe regular expressions only', () => {
    expect(resolveConfig()).toEqual({ ...DEFAULT_CONFIG });
    expect(resolveConfig().host).toBe('127.0.0.1');
    expect(resolveConfig().regexKeep).toBe('safe');
  });

  it('rejects an unknown regexKeep policy, naming where it came from', async () => {
    await expect(loadConfig({ env: { CTXPRESS_REGEX_KEEP: 'maybe' } })).rejects.toThrow(/CTXPRESS_REGEX_KEEP.*safe, any or none/);
  });

  it('reads every CTXPRESS_* variable', async () => {
    const config = await loadConfig({
      env: {
        CTXPRESS_PORT: '9000',
        CTXPRESS_HOST: '0.0.0.0',
        CTXPRESS_UPSTREAM: 'https://api.openai.com/',
        CTXPRESS_UPSTREAM_API_KEY: 'sk-x',
        CTXPRESS_API_KEYS: 'a, b,,c',
        CTXPRESS_BUDGET_RATIO: '4',
        CTXPRESS_FAIL_MODE: 'closed',
        CTXPRESS_TIMEOUT_MS: '2500',
        CTXPRESS_MAX_BODY_BYTES: '1048576',
        CTXPRESS_MAX_RESPONSE_RATIO: '8',
        CTXPRESS_MAX_RESPONSE_BYTES: '2097152',
        CTXPRESS_REGEX_KEEP: 'none',
        CTXPRESS_ALLOWED_ORIGINS: 'https://app.example.com/, http://localhost:3000',
        CTXPRESS_ALLOWED_HOSTS: 'ctxpress, .internal.example',
        UNRELATED: 'x',
      },
    });
    expect(config).toEqual({
      port: 9000,
      host: '0.0.0.0',
      upstream: 'https://api.openai.com',
      upstreamApiKey: 'sk-x',
      apiKeys: ['a', 'b', 'c'],
      budget: { ratio: 4 },
      failMode: 'closed',
      timeoutMs: 2500,
      maxBodyBytes: 1048576,
      maxResponseRatio: 8,
      maxResponseBytes: 2097152,
      workers: DEFAULT_CONFIG.workers,
      regexKeep: 'none',
      allowedOrigins: ['https://app.example.com', 'http://localhost:3000'],
      allowedHosts: ['ctxpress', '.internal.example'],
    });
  });

  it('rejects malformed allowedOrigins and allowedHosts, naming where they came from', async () => {
    await expect(loadConfig({ env: { CTXPRESS_ALLOWED_ORIGINS: 'not a url' } })).rejects.toThrow(/CTXPRESS_ALLOWED_ORIGINS.*not valid/);
    await expect(loadConfig({ flags: { allowedOrigins: ['https://x.example/path'] } })).rejects.toThrow(/allowedOrigins.*not valid/);
    await expect(loadConfig({ flags: { allowedHosts: ['a b'] } })).rejects.toThrow(/allowedHosts.*not valid/);
    expect(resolveConfig({ allowedOrigins: ['*'], allowedHosts: ['*'] })).toMatchObject({ allowedOrigins: ['*'], allowedHosts: ['*'] });
  });

  it('layers file < environment < flags, and a higher layer’s budget replaces a lower one’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxpress-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 1, host: 'localhost', budget: { tokens: 100 }, keepLastTurns: 2, prefixStable: true }));
    const config = await loadConfig({ file, env: { CTXPRESS_PORT: '2', CTXPRESS_BUDGET_RATIO: '3' }, flags: { port: '3' } });
    expect(config).toMatchObject({ port: 3, host: 'localhost', budget: { ratio: 3 }, keepLastTurns: 2, prefixStable: true });
    const flagsBudget = await loadConfig({ file, flags: { budgetTokens: '50' } });
    expect(flagsBudget.budget).toEqual({ tokens: 50 });
  });

  it('takes the default policy: compressOver N (a token budget), minTokens and keepLastTurns, from any layer', async () => {
    expect(resolveConfig({ compressOver: 8000 })).toMatchObject({ budget: { tokens: 8000 } });
    const env = await loadConfig({ env: { CTXPRESS_BUDGET_RATIO: '4', CTXPRESS_MIN_TOKENS: '2000', CTXPRESS_KEEP_LAST_TURNS: '2' } });
    expect(env).toMatchObject({ budget: { ratio: 4 }, minTokens: 2000, keepLastTurns: 2 });
    // a flag's compressOver replaces the environment's ratio; minTokens stays
    const layered = await loadConfig({ env: { CTXPRESS_BUDGET_RATIO: '4', CTXPRESS_MIN_TOKENS: '2000' }, flags: { compressOver: 6000 } });
    expect(layered).toMatchObject({ budget: { tokens: 6000 }, minTokens: 2000 });
    expect((await loadConfig({ env: { CTXPRESS_COMPRESS_OVER: '3000' } })).budget).toEqual({ tokens: 3000 });
    expect(resolveConfig(layered)).toEqual(layered);
  });

  it.each([
    [{ env: { CTXPRESS_COMPRESS_OVER: '3000', CTXPRESS_BUDGET_RATIO: '2' } }, /compressOver or a budget/],
    [{ env: { CTXPRESS_COMPRESS_OVER: 'lots' } }, /CTXPRESS_COMPRESS_OVER: expected an integer/],
    [{ env: { CTXPRESS_MIN_TOKENS: '-5' } }, /CTXPRESS_MIN_TOKENS: expected an integer/],
    [{ env: { CTXPRESS_KEEP_LAST_TURNS: 'all' } }, /CTXPRESS_KEEP_LAST_TURNS: expected an integer/],
    [{ env: { CTXPRESS_PORT: 'eighty' } }, /CTXPRESS_PORT: expected an integer from 0 to 65535, got "eighty"/],
    [{ env: { CTXPRESS_FAIL_MODE: 'maybe' } }, /CTXPRESS_FAIL_MODE: expected "open" or "closed"/],
    [{ env: { CTXPRESS_UPSTREAM: 'ftp://x' } }, /CTXPRESS_UPSTREAM: must be an http/],
    [{ env: { CTXPRESS_UPSTREAM: 'not a url' } }, /CTXPRESS_UPSTREAM: not a URL/],
    [{ env: { CTXPRESS_BUDGET_RATIO: '0.5' } }, /CTXPRESS_BUDGET_RATIO: expected a ratio ≥ 1/],
    [{ env: { CTXPRESS_BUDGET_TOKENS: '10', CTXPRESS_BUDGET_RATIO: '2' } }, /not both/],
    [{ env: { CTXPRESS_TIMEOUT_MS: '0' } }, /CTXPRESS_TIMEOUT_MS/],
    [{ flags: { maxBodyBytes: '-1' } }, /flags: maxBodyBytes/],
    [{ flags: { budget: { tokens: 1.5 } } }, /flags: budget: expected \{ "tokens": N \}/],
  ])('rejects %j with a message naming the source', async (sources, message) => {
    await expect(loadConfig(sources)).rejects.toThrow(ConfigError);
    await expect(loadConfig(sources)).rejects.toThrow(message);
  });

  it('reports unreadable, non-JSON and unknown-key config files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxpress-config-'));
    await expect(loadConfig({ file: join(dir, 'missing.json') })).rejects.toThrow(/cannot read it \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.json'), '{');
    await expect(loadConfig({ file: join(dir, 'bad.json') })).rejects.toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'typo.json'), '{"prot": 1}');
    await expect(loadConfig({ file: join(dir, 'typo.json') })).rejects.toThrow(/unknown key\(s\) prot/);
  });
});

describe('upstreamUrl', () => {
  const incoming = new URL('http://127.0.0.1:8787/v1/chat/completions?x=1');
  it.each([
    ['https://api.openai.com', 'https://api.openai.com/v1/chat/completions?x=1'],
    ['https://api.openai.com/v1', 'https://api.openai.com/v1/chat/completions?x=1'],
    ['https://gateway.example/openai', 'https://gateway.example/openai/v1/chat/completions?x=1'],
  ])('%s', (base, expected) => expect(upstreamUrl(base, incoming)).toBe(expected));

  it('takes a segment cache: memory, a directory or a Redis URL, from a flag, CTXPRESS_CACHE or the config file', async () => {
    expect(resolveConfig({ cache: 'memory' }).cache).toBe('memory');
    expect(resolveConfig({ cache: 'memory', cacheMaxBytes: '1048576' })).toMatchObject({ cache: 'memory', cacheMaxBytes: 1_048_576 });
    expect((await loadConfig({ env: { CTXPRESS_CACHE: '/tmp/ctxpress-cache' } })).cache).toBe('/tmp/ctxpress-cache');
    const dir = mkdtempSync(join(tmpdir(), 'ctxpress-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ cache: '.cache-dir' }));
    expect((await loadConfig({ file, flags: {} })).cache).toBe('.cache-dir');
    expect((await loadConfig({ file, flags: { cache: 'memory' } })).cache).toBe('memory');
    expect(() => resolveConfig({ cache: 'memcached://x' })).toThrow(ConfigError);
    expect(() => resolveConfig({ cacheMaxBytes: 10 })).toThrow(/only applies with a cache/);
    // A resolved config resolves to itself (createApp re-validates what startServer resolved).
    const resolved = resolveConfig({ cache: 'memory', cacheMaxBytes: 5 });
    expect(resolveConfig(resolved)).toEqual(resolved);
  });

  it('takes a redis:// or rediss:// cache URL from a flag, CTXPRESS_CACHE or the config file; cacheMaxBytes does not apply to it', async () => {
    expect(resolveConfig({ cache: 'redis://localhost:6379' }).cache).toBe('redis://localhost:6379');
    expect(resolveConfig({ cache: 'redis://:secret@10.0.0.5:6379/2' }).cache).toBe('redis://:secret@10.0.0.5:6379/2');
    expect((await loadConfig({ env: { CTXPRESS_CACHE: 'rediss://h:6380' } })).cache).toBe('rediss://h:6380');
    const dir = mkdtempSync(join(tmpdir(), 'ctxpress-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ cache: 'redis://cache.internal:6379' }));
    expect((await loadConfig({ file })).cache).toBe('redis://cache.internal:6379');
    expect((await loadConfig({ file, flags: { cache: 'REDIS://other:1' } })).cache).toBe('REDIS://other:1');
    // a size limit is Redis's own (maxmemory + allkeys-lru)
    expect(() => resolveConfig({ cache: 'redis://localhost:6379', cacheMaxBytes: 1000 })).toThrow(/cacheMaxBytes: does not apply to a Redis cache.*maxmemory/);
    await expect(loadConfig({ env: { CTXPRESS_CACHE: 'redis://h:1', CTXPRESS_CACHE_MAX_BYTES: '5' } })).rejects.toThrow(
      /^CTXPRESS_CACHE_MAX_BYTES: does not apply/,
    );
    // malformed Redis URLs, without echoing a password
    for (const bad of ['redis://', 'redis:///0', 'redis://h:6379/not-a-db', 'rediss://user:hunter2@:1']) {
      let message = '';
      try {
        resolveConfig({ cache: bad });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/not a Redis URL/);
      expect(message).not.toContain('hunter2');
    }
    expect(() => resolveConfig({ cache: 'http://user:pw@h' })).toThrow(/expected "memory", a directory or a redis:\/\/ URL/);
    const resolved = resolveConfig({ cache: 'redis://localhost:6379' });
    expect(resolveConfig(resolved)).toEqual(resolved);
  });
});
