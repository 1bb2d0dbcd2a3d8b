/**
 * `redisCacheStore`: the shared segment cache for many instances (ioredis, imported on first use). A cache failure is
 * a miss, never an error: every operation resolves within about `commandTimeoutMs`, whatever Redis does. See
 * docs/decisions/0010-segment-cache.md.
 * @module
 */
import { CtxpressError } from '@ctxpress/core';
import type { CacheStore } from '@ctxpress/core/cache';
import type { Redis } from 'ioredis';

interface RedisCacheStoreCommon {
  /** Prepended to every key; `clear()` removes only keys with this prefix. Default `'ctxpress:'`. */
  readonly keyPrefix?: string;
  /** Expiry of each value, seconds (`SET key value EX ttl`). Default: none (eviction is Redis's `maxmemory-policy`). */
  readonly ttlSeconds?: number;
  /** Time limit of one operation, ms: past it a get is a miss and a set is dropped. Default 250. */
  readonly commandTimeoutMs?: number;
  /**
   * Told about failures (ioredis missing, Redis unreachable, a command failing) — once per outage, not per command.
   * The store itself never throws or rejects; this is for logs.
   */
  readonly onError?: (error: Error) => void;
}

export interface RedisCacheStoreUrlOptions extends RedisCacheStoreCommon {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  readonly url: string;
  /** Time limit of establishing a connection, ms. Default 1000. */
  readonly connectTimeoutMs?: number;
}

export interface RedisCacheStoreClientOptions extends RedisCacheStoreCommon {
  /**
   * An ioredis client you own: its connection options, reconnection and lifetime stay yours (`close()` does not close
   * it). Operations are still bounded by `commandTimeoutMs`; give it `enableOfflineQueue: false` so that commands fail
   * at once while it is disconnected.
   */
  readonly client: IoredisClient;
}

/**
 * An ioredis `Redis` client (`new Redis(…)`, ioredis 6). Only its shape is named here, so that these declarations
 * compile without ioredis installed (an optional peer dependency: docs/decisions/0016-optional-peer-dependencies.md).
 */
export interface IoredisClient {
  readonly status: string;
  readonly options: object;
}

export type RedisCacheStoreOptions = RedisCacheStoreUrlOptions | RedisCacheStoreClientOptions;

export interface RedisCacheStore extends CacheStore {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  getMany(keys: readonly string[]): Promise<ReadonlyArray<Uint8Array | undefined>>;
  delete(key: string): Promise<void>;
  /** Removes this store's keys (SCAN + UNLINK over `keyPrefix*`), never other keys of the database. */
  clear(): Promise<void>;
  /** Ends the connection this store opened (and its reconnection attempts); afterwards every operation is a miss. */
  close(): Promise<void>;
  /**
   * Loads ioredis and connects now instead of on the first operation; resolves true once Redis answers, false on any
   * failure or after `connectTimeoutMs`. Optional: a server calls it at start-up so the first request finds a connection.
   */
  connect(): Promise<boolean>;
  readonly keyPrefix: string;
}

const DEFAULT_PREFIX = 'ctxpress:';
const DEFAULT_COMMAND_TIMEOUT_MS = 250;
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
/** Reconnection backoff after a lost or failed connection: 100 ms doubling to 2 s. */
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2000;
const SCAN_COUNT = 500;

/** `redis://` or `rediss://`: true for the URLs `redisCacheStore` accepts (credentials and all). */
export function isRedisUrl(value: unknown): value is string {
  return typeof value === 'string' && /^rediss?:\/\//i.test(value.trim());
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new CtxpressError('INVALID_OPTION', `redisCacheStore: ${name} must be a number > 0, got ${String(value)}.`);
  }
  return value;
}

/** A well-formed `redis://[user:password@]host[:port][/db]` or `rediss://…` URL (what the CLI and the server accept). */
export function isValidRedisUrl(text: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(text.trim());
  } catch {
    return false;
  }
  return (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') && parsed.hostname !== '' && /^\/?(\d+)?$/.test(parsed.pathname);
}

function checkUrl(url: unknown): string {
  if (typeof url !== 'string') throw new CtxpressError('INVALID_OPTION', `redisCacheStore: url must be a string, got ${typeof url}.`);
  const text = url.trim();
  if (!isValidRedisUrl(text)) {
    throw new CtxpressError(
      'INVALID_OPTION',
      `redisCacheStore: url must be redis://host[:port][/db] or rediss://… (TLS), got ${JSON.stringify(redactRedisUrl(text))}.`,
    );
  }
  return text;
}

/** A glob pattern matching `text` literally (for SCAN MATCH). */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function toBytes(value: unknown): Uint8Array | undefined {
  if (!(value instanceof Uint8Array)) return undefined;
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

interface IoredisModule {
  readonly Redis: typeof Redis;
}

let ioredisModule: Promise<IoredisModule> | undefined;

function loadIoredis(): Promise<IoredisModule> {
  // A failure is kept: a package missing now will not appear later in this process.
  return (ioredisModule ??= import('ioredis').then(
    (module): IoredisModule => module,
    (error: unknown) => {
      throw new CtxpressError(
        'DEPENDENCY_MISSING',
        `redisCacheStore needs the ioredis package (npm install ioredis): ${asError(error).message}. The cache misses.`,
      );
    },
  ));
}

/**
 * A `CacheStore` on Redis: `GET`/`SET key value [EX ttl]` on binary-safe values, `getMany` as one `MGET`, `delete` as
 * `UNLINK`, `clear` as SCAN + UNLINK of this store's prefix only. Size limits are Redis's job: configure `maxmemory`
 * and `maxmemory-policy allkeys-lru` (or `ttlSeconds`).
 *
 * Failure behaviour: no method rejects or hangs. While Redis is down, slow or unreachable (or ioredis cannot be
 * loaded), a get is a miss and a set is dropped within about `commandTimeoutMs`; commands are not queued while
 * disconnected, and the store reconnects in the background with backoff (100 ms doubling to 2 s). An idle store does
 * not keep the process alive (its socket and timers are unref'd between operations); `close()` ends the connection.
 *
 * @example
 * const store = redisCacheStore({ url: 'redis://127.0.0.1:6379', ttlSeconds: 86_400 });
 * await compress(docs, { query, budget: { ratio: 4 }, cache: store });
 * await store.close();
 */
export function redisCacheStore(options: RedisCacheStoreOptions): RedisCacheStore {
  if (typeof options !== 'object' || options === null) throw new CtxpressError('INVALID_OPTION', 'redisCacheStore needs { url } or { client }.');
  const given = 'client' in options && options.client !== undefined ? (options.client as Redis) : undefined;
  const url = given === undefined ? checkUrl((options as RedisCacheStoreUrlOptions).url) : undefined;
  const keyPrefix = options.keyPrefix ?? DEFAULT_PREFIX;
  if (typeof keyPrefix !== 'string') throw new CtxpressError('INVALID_OPTION', `redisCacheStore: keyPrefix must be a string, got ${typeof keyPrefix}.`);
  const ttlSeconds = options.ttlSeconds;
  if (ttlSeconds !== undefined && (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1)) {
    throw new CtxpressError('INVALID_OPTION', `redisCacheStore: ttlSeconds must be an integer ≥ 1, got ${String(ttlSeconds)}.`);
  }
  const commandTimeoutMs = positive(options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS, 'commandTimeoutMs');
  const connectTimeoutMs = positive((options as RedisCacheStoreUrlOptions).connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs');
  const onError = options.onError;

  let client: Redis | undefined = given;
  let closed = false;
  let reported = false;
  let busy = 0;
  let attempts = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  /** The first connection attempt (loading ioredis included): operations wait for it, later ones never wait. */
  let initial: Promise<void> | undefined;
  let initialSettled = given !== undefined;

  const report = (error: unknown): void => {
    if (reported || onError === undefined) return;
    reported = true;
    try {
      onError(asError(error));
    } catch {
      // a failing listener changes nothing
    }
  };

  /** An idle owned connection must not keep the process alive; a busy one must (an await is pending on it). */
  const holdProcess = (hold: boolean): void => {
    if (given !== undefined || client === undefined) return;
    const stream = (client as unknown as { stream?: { pending?: boolean; destroyed?: boolean; ref?: () => void; unref?: () => void } }).stream;
    // A socket not connected yet is ref'd already, a destroyed one holds nothing (ref() would queue a listener per
    // call on either); 'ready' settles the next one.
    if (stream === undefined || stream.pending === true || stream.destroyed === true) return;
    if (hold) stream.ref?.();
    else stream.unref?.();
  };

  const startConnect = (c: Redis): Promise<void> =>
    c.connect().then(
      () => undefined,
      (error: unknown) => report(error),
    );

  const scheduleReconnect = (c: Redis): void => {
    if (closed || reconnectTimer !== undefined) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(attempts, 10));
    attempts++;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (!closed && c.status === 'end') void startConnect(c);
    }, delay);
    reconnectTimer.unref();
  };

  const create = async (): Promise<void> => {
    const { Redis: RedisClass } = await loadIoredis();
    if (closed) return;
    const c = new RedisClass(url!, {
      lazyConnect: true,
      enableOfflineQueue: false, // disconnected: fail at once, never queue
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
      connectTimeout: connectTimeoutMs,
      retryStrategy: () => null, // reconnection is ours (unref'd timers, see scheduleReconnect)
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      connectionName: 'ctxpress-cache',
      disconnectTimeout: commandTimeoutMs, // close(): a socket the server does not close in time is destroyed after this
    });
    c.on('error', report);
    c.on('ready', () => {
      attempts = 0;
      reported = false;
      if (busy === 0) holdProcess(false);
    });
    c.on('end', () => {
      if (closed) return;
      report(new Error(`the connection to ${redactRedisUrl(url!)} was closed; the cache misses until it reconnects`));
      scheduleReconnect(c);
    });
    client = c;
    await startConnect(c);
  };

  /** The client, once its first connection attempt has settled (or undefined: ioredis missing, store closed). */
  const ready = async (): Promise<Redis | undefined> => {
    if (given !== undefined) return given;
    if (closed) return undefined;
    if (!initialSettled) {
      initial ??= create().then(
        () => {
          initialSettled = true;
        },
        (error: unknown) => {
          report(error); // ioredis missing: every operation misses from now on
          initialSettled = true;
        },
      );
      await initial;
    }
    return client;
  };

  /**
   * Runs `work` on a ready client; `fallback` on any failure or after `commandTimeoutMs` (plus `connectTimeoutMs`
   * while the first connection is being made). Never rejects.
   */
  const guarded = <T>(fallback: T, work: (c: Redis) => Promise<T>, limitMs = commandTimeoutMs): Promise<T> => {
    if (closed) return Promise.resolve(fallback);
    const timeoutMs = initialSettled ? limitMs : limitMs + connectTimeoutMs;
    busy++;
    holdProcess(true);
    return new Promise<T>((resolve) => {
      let settled = false;
      const finish = (value: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        busy--;
        if (busy === 0) holdProcess(false);
        resolve(value);
      };
      const timer = setTimeout(() => finish(fallback), timeoutMs);
      ready()
        .then((c) => {
          if (c === undefined || settled) return fallback;
          if (given === undefined && c.status !== 'ready') return fallback; // down: answer now, reconnect in the background
          return work(c);
        })
        .then(finish, (error: unknown) => {
          report(error);
          finish(fallback);
        });
    });
  };

  const prefixed = (key: string): string => keyPrefix + key;

  return {
    name: 'redis',
    keyPrefix,
    get(key) {
      return guarded<Uint8Array | undefined>(undefined, async (c) => toBytes(await c.getBuffer(prefixed(key))));
    },
    getMany(keys) {
      const misses = keys.map(() => undefined);
      if (keys.length === 0) return Promise.resolve(misses);
      return guarded<ReadonlyArray<Uint8Array | undefined>>(misses, async (c) => {
        const values = await c.mgetBuffer(keys.map(prefixed));
        return keys.map((_, i) => toBytes(values[i]));
      });
    },
    set(key, value) {
      const bytes = Buffer.from(value); // a copy: the caller may reuse its array
      return guarded(undefined, async (c) => {
        if (ttlSeconds === undefined) await c.set(prefixed(key), bytes);
        else await c.set(prefixed(key), bytes, 'EX', ttlSeconds);
        return undefined;
      });
    },
    delete(key) {
      return guarded(undefined, async (c) => {
        await c.unlink(prefixed(key));
        return undefined;
      });
    },
    clear() {
      // One SCAN / UNLINK round trip at a time, each bounded by the command timeout; the whole pass by 100 of them.
      return guarded(
        undefined,
        async (c) => {
          const clientPrefix = typeof c.options.keyPrefix === 'string' ? c.options.keyPrefix : '';
          const match = `${globEscape(clientPrefix + keyPrefix)}*`;
          let cursor = '0';
          do {
            const [next, found] = await c.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
            cursor = next;
            // ioredis adds its own keyPrefix to UNLINK's arguments but not to SCAN's results
            const keys = found.filter((key) => key.startsWith(clientPrefix)).map((key) => key.slice(clientPrefix.length));
            if (keys.length > 0) await c.unlink(...keys);
          } while (cursor !== '0' && !closed);
          return undefined;
        },
        commandTimeoutMs * 100,
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      if (given !== undefined) return;
      await initial;
      const c = client;
      if (c === undefined) return;
      c.removeAllListeners('end');
      // No reconnection; pending replies (at most one timeout's worth) are dropped. A client already at 'end' has no
      // socket left, and disconnect() would then arm a timer that holds the process for disconnectTimeout.
      if (c.status !== 'end') c.disconnect();
    },
    async connect() {
      if (given !== undefined) return given.status === 'ready';
      return guarded(false, async (c) => c.status === 'ready');
    },
  };
}
