/**
 * Server configuration: defaults < JSON config file < environment (`CTXPRESS_*`) < flags, validated with messages that
 * name where the bad value came from.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { readBudget } from '@ctxpress/core';
import { parseDecimal } from '@ctxpress/core/internal';
import { isValidRedisUrl } from '@ctxpress/node/cache';

export type BudgetSpec = { readonly tokens: number } | { readonly ratio: number };
export type FailMode = 'open' | 'closed';
/** Regular expressions in `/v1/compress` `keep`: `safe` refuses catastrophic-backtracking shapes, `none` all, `any` none. */
export type RegexKeepPolicy = 'safe' | 'any' | 'none';

/** The resolved, validated configuration. */
export interface ServerConfig {
  /** Default 8787; 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host: string;
  /** Base URL the proxy routes forward to (e.g. `https://api.openai.com`). Only from configuration, never from a request. */
  readonly upstream?: string;
  /** Replaces the caller's `authorization` / `x-api-key` on forwarded requests. */
  readonly upstreamApiKey?: string;
  /** When non-empty, every route but `/healthz` and `/metrics` needs one of these (`authorization: Bearer K` or `x-api-key: K`). */
  readonly apiKeys: readonly string[];
  /**
   * Default budget of the proxy routes (a request may set its own). Without one, proxied requests pass through
   * uncompressed. `compressOver: N` sets `{ tokens: N }`: requests over N tokens are compressed to N, others untouched.
   */
  readonly budget?: BudgetSpec;
  /**
   * With the configured budget: requests under this many tokens are forwarded untouched (`x-ctxpress-status: skipped`,
   * reason `below-min-tokens`). A budget sent with the request ignores it.
   */
  readonly minTokens?: number;
  /** What the proxy does when compression fails: `open` forwards the original request (default), `closed` answers 502. */
  readonly failMode: FailMode;
  /** Time limit of one compression, ms. Default 10 000. */
  readonly timeoutMs: number;
  /** Largest request body, bytes. Default 10 MiB. */
  readonly maxBodyBytes: number;
  /**
   * Largest `/v1/compress` response as a multiple of its request's body (default 32; never under 1 MiB): a larger one
   * answers 413 RESPONSE_TOO_LARGE.
   */
  readonly maxResponseRatio: number;
  /** Largest `/v1/compress` response, bytes, whatever the request's size (default 64 MiB). */
  readonly maxResponseBytes: number;
  /** Tokenizer of the proxy routes. Default o200k_base. */
  readonly tokenizer?: string;
  /** Proxy: the last N user turns are never compressed (compressChat's default 4 when unset). */
  readonly keepLastTurns?: number;
  /** Proxy: compress in prefix-stable mode so provider prompt caches keep hitting. */
  readonly prefixStable?: boolean;
  /**
   * Segment cache of `/v1/compress` (text, markdown, auto): `'memory'` (an in-process LRU, 256 MiB unless
   * `cacheMaxBytes`), a directory for the on-disk store (`fileCacheStore`), or a `redis://` / `rediss://` URL (a
   * `redisCacheStore` shared by every instance and worker using that Redis). Unset: no cache.
   */
  readonly cache?: string;
  /** Size limit of the cache, bytes (only with `cache` "memory" or a directory; Redis limits itself with `maxmemory`). */
  readonly cacheMaxBytes?: number;
  /** Worker threads that compress (default `os.availableParallelism()`); 0 compresses on the event loop, one at a time. */
  readonly workers: number;
  /** Regular expressions in `keep` of `/v1/compress` (default `safe`; see docs/decisions/0013). */
  readonly regexKeep: RegexKeepPolicy;
  /**
   * Origins (`scheme://host[:port]`) whose web pages may call the service (CORS). A request with any other `Origin`
   * header is refused (403 ORIGIN_NOT_ALLOWED), except the service's own (the playground). `*` allows every origin.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * Host names (in the `Host` header) the service answers besides `localhost`, IP literals and the configured `host`
   * (403 HOST_NOT_ALLOWED otherwise: DNS rebinding). `.example.com` allows the subdomains too; `*` allows every host.
   */
  readonly allowedHosts: readonly string[];
}

export const DEFAULT_CONFIG = {
  port: 8787,
  host: '127.0.0.1',
  apiKeys: [] as readonly string[],
  failMode: 'open' as FailMode,
  timeoutMs: 10_000,
  maxBodyBytes: 10 * 1024 * 1024,
  maxResponseRatio: 32,
  maxResponseBytes: 64 * 1024 * 1024,
  workers: availableParallelism(),
  regexKeep: 'safe' as RegexKeepPolicy,
  allowedOrigins: [] as readonly string[],
  allowedHosts: [] as readonly string[],
} as const;

/** A configuration value that is missing or malformed; the message says which one and where it came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Raw values before validation, as they come from a file, the environment or flags. */
export interface RawConfig {
  readonly port?: unknown;
  readonly host?: unknown;
  readonly upstream?: unknown;
  readonly upstreamApiKey?: unknown;
  readonly apiKeys?: unknown;
  readonly budget?: unknown;
  readonly budgetTokens?: unknown;
  readonly budgetRatio?: unknown;
  readonly compressOver?: unknown;
  readonly minTokens?: unknown;
  readonly failMode?: unknown;
  readonly timeoutMs?: unknown;
  readonly maxBodyBytes?: unknown;
  readonly maxResponseRatio?: unknown;
  readonly maxResponseBytes?: unknown;
  readonly tokenizer?: unknown;
  readonly keepLastTurns?: unknown;
  readonly prefixStable?: unknown;
  readonly cache?: unknown;
  readonly cacheMaxBytes?: unknown;
  readonly workers?: unknown;
  readonly regexKeep?: unknown;
  readonly allowedOrigins?: unknown;
  readonly allowedHosts?: unknown;
}

const KNOWN_KEYS = new Set([
  'port',
  'host',
  'upstream',
  'upstreamApiKey',
  'apiKeys',
  'budget',
  'budgetTokens',
  'budgetRatio',
  'compressOver',
  'minTokens',
  'failMode',
  'timeoutMs',
  'maxBodyBytes',
  'maxResponseRatio',
  'maxResponseBytes',
  'tokenizer',
  'keepLastTurns',
  'prefixStable',
  'cache',
  'cacheMaxBytes',
  'workers',
  'regexKeep',
  'allowedOrigins',
  'allowedHosts',
]);

const ENV_KEYS: Readonly<Record<string, keyof RawConfig>> = {
  CTXPRESS_PORT: 'port',
  CTXPRESS_HOST: 'host',
  CTXPRESS_UPSTREAM: 'upstream',
  CTXPRESS_UPSTREAM_API_KEY: 'upstreamApiKey',
  CTXPRESS_API_KEYS: 'apiKeys',
  CTXPRESS_BUDGET_TOKENS: 'budgetTokens',
  CTXPRESS_BUDGET_RATIO: 'budgetRatio',
  CTXPRESS_COMPRESS_OVER: 'compressOver',
  CTXPRESS_MIN_TOKENS: 'minTokens',
  CTXPRESS_KEEP_LAST_TURNS: 'keepLastTurns',
  CTXPRESS_FAIL_MODE: 'failMode',
  CTXPRESS_TIMEOUT_MS: 'timeoutMs',
  CTXPRESS_MAX_BODY_BYTES: 'maxBodyBytes',
  CTXPRESS_MAX_RESPONSE_RATIO: 'maxResponseRatio',
  CTXPRESS_MAX_RESPONSE_BYTES: 'maxResponseBytes',
  CTXPRESS_TOKENIZER: 'tokenizer',
  CTXPRESS_CACHE: 'cache',
  CTXPRESS_CACHE_MAX_BYTES: 'cacheMaxBytes',
  CTXPRESS_WORKERS: 'workers',
  CTXPRESS_REGEX_KEEP: 'regexKeep',
  CTXPRESS_ALLOWED_ORIGINS: 'allowedOrigins',
  CTXPRESS_ALLOWED_HOSTS: 'allowedHosts',
};

/** The `CTXPRESS_*` variables that are set (empty strings count as unset). */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return raw;
}

/** Reads a JSON config file (an object with the keys of `ServerConfig`, or `budgetTokens` / `budgetRatio`). */
export async function configFromFile(path: string): Promise<RawConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path}: not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`config file ${path}: expected a JSON object.`);
  const unknown = Object.keys(value).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) throw new ConfigError(`config file ${path}: unknown key(s) ${unknown.join(', ')}; known: ${[...KNOWN_KEYS].join(', ')}.`);
  return value as RawConfig;
}

export interface LoadConfigSources {
  /** Values from command-line flags (highest precedence). */
  readonly flags?: RawConfig;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A JSON config file (lowest precedence above the defaults). */
  readonly file?: string;
}

/** Merges file, environment and flags (each layer's budget replaces the lower one's) and validates the result. */
export async function loadConfig(sources: LoadConfigSources): Promise<ServerConfig> {
  const layers: [string, RawConfig][] = [];
  if (sources.file !== undefined) layers.push([`config file ${sources.file}`, await configFromFile(sources.file)]);
  if (sources.env !== undefined) layers.push(['environment', configFromEnv(sources.env)]);
  if (sources.flags !== undefined) layers.push(['flags', sources.flags]);
  return resolveLayers(layers);
}

/** Validates one raw object (for `createApp(config)` / `startServer(config)` callers). */
export function resolveConfig(raw: RawConfig = {}): ServerConfig {
  return resolveLayers([['config', raw]]);
}

/** The keys that set the budget: a layer that sets one replaces the lower layers' budget. */
const BUDGET_KEYS = ['budget', 'budgetTokens', 'budgetRatio', 'compressOver'];

function resolveLayers(layers: readonly [string, RawConfig][]): ServerConfig {
  const merged: Record<string, { value: unknown; from: string }> = {};
  for (const [from, raw] of layers) {
    const entries = Object.entries(raw).filter(([, value]) => value !== undefined);
    const setsBudget = entries.some(([key]) => BUDGET_KEYS.includes(key));
    if (setsBudget) for (const key of BUDGET_KEYS) delete merged[key];
    for (const [key, value] of entries) merged[key] = { value, from };
  }
  const get = (key: string): { value: unknown; from: string } | undefined => merged[key];
  const where = (key: string, envName?: string): string => {
    const entry = get(key);
    if (entry?.from === 'environment' && envName !== undefined) return envName;
    return `${entry?.from ?? 'config'}: ${key}`;
  };

  const port = get('port') === undefined ? DEFAULT_CONFIG.port : integer(get('port')!.value, 0, 65_535, where('port', 'CTXPRESS_PORT'));
  const host = get('host') === undefined ? DEFAULT_CONFIG.host : nonEmptyString(get('host')!.value, where('host', 'CTXPRESS_HOST'));
  const failModeValue = get('failMode')?.value ?? DEFAULT_CONFIG.failMode;
  if (failModeValue !== 'open' && failModeValue !== 'closed') {
    throw new ConfigError(`${where('failMode', 'CTXPRESS_FAIL_MODE')}: expected "open" or "closed", got ${show(failModeValue)}.`);
  }
  const timeoutMs =
    get('timeoutMs') === undefined ? DEFAULT_CONFIG.timeoutMs : integer(get('timeoutMs')!.value, 1, 86_400_000, where('timeoutMs', 'CTXPRESS_TIMEOUT_MS'));
  const maxBodyBytes =
    get('maxBodyBytes') === undefined
      ? DEFAULT_CONFIG.maxBodyBytes
      : integer(get('maxBodyBytes')!.value, 1, 2 ** 31, where('maxBodyBytes', 'CTXPRESS_MAX_BODY_BYTES'));
  const maxResponseRatio =
    get('maxResponseRatio') === undefined
      ? DEFAULT_CONFIG.maxResponseRatio
      : integer(get('maxResponseRatio')!.value, 1, 1_000_000, where('maxResponseRatio', 'CTXPRESS_MAX_RESPONSE_RATIO'));
  const maxResponseBytes =
    get('maxResponseBytes') === undefined
      ? DEFAULT_CONFIG.maxResponseBytes
      : integer(get('maxResponseBytes')!.value, 1, 2 ** 31, where('maxResponseBytes', 'CTXPRESS_MAX_RESPONSE_BYTES'));

  let apiKeys: readonly string[] = DEFAULT_CONFIG.apiKeys;
  const apiKeysEntry = get('apiKeys');
  if (apiKeysEntry !== undefined) {
    const value = apiKeysEntry.value;
    const list =
      typeof value === 'string'
        ? value
            .split(',')
            .map((key) => key.trim())
            .filter((key) => key !== '')
        : value;
    if (!Array.isArray(list) || !list.every((key) => typeof key === 'string' && key.trim() !== '')) {
      throw new ConfigError(`${where('apiKeys', 'CTXPRESS_API_KEYS')}: expected a list of non-empty keys (comma-separated in the environment).`);
    }
    apiKeys = list.map((key: string) => key.trim());
  }

  let upstream: string | undefined;
  if (get('upstream') !== undefined) {
    const text = nonEmptyString(get('upstream')!.value, where('upstream', 'CTXPRESS_UPSTREAM'));
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ConfigError(`${where('upstream', 'CTXPRESS_UPSTREAM')}: not a URL: ${show(text)} (expected e.g. https://api.openai.com).`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`${where('upstream', 'CTXPRESS_UPSTREAM')}: must be an http:// or https:// URL, got ${url.protocol}.`);
    }
    if (url.search !== '' || url.hash !== '') throw new ConfigError(`${where('upstream', 'CTXPRESS_UPSTREAM')}: must not have a query or fragment.`);
    upstream = url.toString().replace(/\/+$/, '');
  }
  const upstreamApiKey =
    get('upstreamApiKey') === undefined ? undefined : nonEmptyString(get('upstreamApiKey')!.value, where('upstreamApiKey', 'CTXPRESS_UPSTREAM_API_KEY'));

  let budget: BudgetSpec | undefined;
  const tokens = get('budgetTokens');
  const ratio = get('budgetRatio');
  const over = get('compressOver');
  const budgetEntry = get('budget');
  if (tokens !== undefined && ratio !== undefined) {
    throw new ConfigError(`${tokens.from}: give a token budget or a ratio, not both (budgetTokens and budgetRatio).`);
  }
  if (over !== undefined && (tokens !== undefined || ratio !== undefined)) {
    throw new ConfigError(`${over.from}: give compressOver or a budget (budgetTokens, budgetRatio), not both.`);
  }
  if (over !== undefined) budget = { tokens: integer(over.value, 1, Number.MAX_SAFE_INTEGER, where('compressOver', 'CTXPRESS_COMPRESS_OVER')) };
  else if (tokens !== undefined) budget = { tokens: integer(tokens.value, 1, Number.MAX_SAFE_INTEGER, where('budgetTokens', 'CTXPRESS_BUDGET_TOKENS')) };
  else if (ratio !== undefined) budget = { ratio: ratioValue(ratio.value, where('budgetRatio', 'CTXPRESS_BUDGET_RATIO')) };
  else if (budgetEntry !== undefined) budget = parseBudget(budgetEntry.value, where('budget'));

  const tokenizer = get('tokenizer') === undefined ? undefined : nonEmptyString(get('tokenizer')!.value, where('tokenizer', 'CTXPRESS_TOKENIZER'));
  const keepLastTurns =
    get('keepLastTurns') === undefined ? undefined : integer(get('keepLastTurns')!.value, 0, 1_000_000, where('keepLastTurns', 'CTXPRESS_KEEP_LAST_TURNS'));
  const minTokens =
    get('minTokens') === undefined ? undefined : integer(get('minTokens')!.value, 0, Number.MAX_SAFE_INTEGER, where('minTokens', 'CTXPRESS_MIN_TOKENS'));
  const prefixStableValue = get('prefixStable')?.value;
  if (prefixStableValue !== undefined && typeof prefixStableValue !== 'boolean') {
    throw new ConfigError(`${where('prefixStable')}: expected true or false, got ${show(prefixStableValue)}.`);
  }

  let cache: string | undefined;
  const cacheMaxBytes =
    get('cacheMaxBytes') === undefined
      ? undefined
      : integer(get('cacheMaxBytes')!.value, 0, Number.MAX_SAFE_INTEGER, where('cacheMaxBytes', 'CTXPRESS_CACHE_MAX_BYTES'));
  if (get('cache') !== undefined) {
    const text = nonEmptyString(get('cache')!.value, where('cache', 'CTXPRESS_CACHE'));
    if (/^rediss?:\/\//i.test(text)) {
      if (!isValidRedisUrl(text)) {
        throw new ConfigError(
          `${where('cache', 'CTXPRESS_CACHE')}: not a Redis URL: ${show(redactUrl(text))} (expected redis://[user:password@]host[:port][/db] or rediss://… for TLS).`,
        );
      }
      if (cacheMaxBytes !== undefined) {
        throw new ConfigError(
          `${where('cacheMaxBytes', 'CTXPRESS_CACHE_MAX_BYTES')}: does not apply to a Redis cache; limit Redis itself (maxmemory with maxmemory-policy allkeys-lru).`,
        );
      }
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
      throw new ConfigError(`${where('cache', 'CTXPRESS_CACHE')}: expected "memory", a directory or a redis:// URL, got the URL ${show(redactUrl(text))}.`);
    }
    cache = text;
  } else if (cacheMaxBytes !== undefined) {
    throw new ConfigError(`${where('cacheMaxBytes', 'CTXPRESS_CACHE_MAX_BYTES')}: only applies with a cache (cache: "memory" or a directory).`);
  }

  const workers = get('workers') === undefined ? DEFAULT_CONFIG.workers : integer(get('workers')!.value, 0, 1024, where('workers', 'CTXPRESS_WORKERS'));
  const regexKeepValue = get('regexKeep')?.value ?? DEFAULT_CONFIG.regexKeep;
  if (regexKeepValue !== 'safe' && regexKeepValue !== 'any' && regexKeepValue !== 'none') {
    throw new ConfigError(`${where('regexKeep', 'CTXPRESS_REGEX_KEEP')}: expected safe, any or none, got ${show(regexKeepValue)}.`);
  }

  const list = (key: string, envName: string, check: (item: string) => string | undefined): readonly string[] => {
    const entry = get(key);
    if (entry === undefined) return [];
    const value = entry.value;
    const items =
      typeof value === 'string'
        ? value
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== '')
        : value;
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'string' && item.trim() !== '')) {
      throw new ConfigError(`${where(key, envName)}: expected a list of non-empty strings (comma-separated in the environment).`);
    }
    return items.map((item: string) => {
      const normalised = check(item.trim());
      if (normalised === undefined) throw new ConfigError(`${where(key, envName)}: ${show(item)} is not valid.`);
      return normalised;
    });
  };
  const allowedOrigins = list('allowedOrigins', 'CTXPRESS_ALLOWED_ORIGINS', (item) => {
    if (item === '*') return item;
    try {
      const url = new URL(item);
      if (url.origin === 'null' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') return undefined;
      return url.origin;
    } catch {
      return undefined;
    }
  });
  const allowedHosts = list('allowedHosts', 'CTXPRESS_ALLOWED_HOSTS', (item) =>
    /^(?:\*|\.?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/i.test(item) ? item.toLowerCase().replace(/\.$/, '') : undefined,
  );

  return {
    port,
    host,
    apiKeys,
    allowedOrigins,
    allowedHosts,
    workers,
    regexKeep: regexKeepValue,
    failMode: failModeValue,
    timeoutMs,
    maxBodyBytes,
    maxResponseRatio,
    maxResponseBytes,
    ...(upstream === undefined ? {} : { upstream }),
    ...(upstreamApiKey === undefined ? {} : { upstreamApiKey }),
    ...(budget === undefined ? {} : { budget }),
    ...(minTokens === undefined ? {} : { minTokens }),
    ...(tokenizer === undefined ? {} : { tokenizer }),
    ...(keepLastTurns === undefined ? {} : { keepLastTurns }),
    ...(prefixStableValue === undefined ? {} : { prefixStable: prefixStableValue }),
    ...(cache === undefined ? {} : { cache }),
    ...(cacheMaxBytes === undefined ? {} : { cacheMaxBytes }),
  };
}

/** `{ tokens }` (integer ≥ 1) or `{ ratio }` (≥ 1), or undefined when malformed: core's `readBudget`, the request model's rule. */
export function budgetOf(value: unknown): BudgetSpec | undefined {
  return readBudget(value);
}

function parseBudget(value: unknown, where: string): BudgetSpec {
  const budget = budgetOf(value);
  if (budget === undefined) throw new ConfigError(`${where}: expected { "tokens": N } (integer ≥ 1) or { "ratio": R } (≥ 1), got ${show(value)}.`);
  return budget;
}

/** A number from a JSON number or a decimal string (flags and environment variables are strings). */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' ? parseDecimal(value) : undefined;
}

function integer(value: unknown, min: number, max: number, where: string): number {
  const n = numeric(value);
  if (n === undefined || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${where}: expected an integer from ${min} to ${max}, got ${show(value)}.`);
  }
  return n;
}

function ratioValue(value: unknown, where: string): number {
  const n = numeric(value);
  if (n === undefined || n < 1) throw new ConfigError(`${where}: expected a ratio ≥ 1 (e.g. 4), got ${show(value)}.`);
  return n;
}

function nonEmptyString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${where}: expected a non-empty string, got ${show(value)}.`);
  return value.trim();
}

/** A URL with its password masked, for messages. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password === '') return text;
    url.password = '***';
    return url.toString();
  } catch {
    return text.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
}
