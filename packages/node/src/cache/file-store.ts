/**
 * `fileCacheStore`: the embedded on-disk cache, one file per key (no dependency, no server). Why not lmdb: see
 * docs/decisions/0010-segment-cache.md.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheStore } from '@ctxpress/core/cache';

export interface FileCacheStoreOptions {
  /** The folder holding the cache (created when missing). */
  readonly directory: string;
  /**
   * Upper bound on the bytes of the files this store holds; beyond it the least recently used go (recency is this
   * process's view, seeded from file modification times at open). Default: unbounded.
   */
  readonly maxBytes?: number;
}

export interface FileCacheStore extends CacheStore {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  clear(): Promise<void>;
  close(): Promise<void>;
  /** Synchronous read for callers that cannot await (a miss on any error). */
  getSync(key: string): Uint8Array | undefined;
  readonly directory: string;
}

const MAGIC = 0x43584631; // "CXF1"
const HEADER = 8; // magic, value length

function fileName(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function unwrap(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.byteLength < HEADER) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== bytes.byteLength - HEADER) return undefined;
  return bytes.subarray(HEADER);
}

/**
 * Values live in `directory/ab/abcdef….bin` (the SHA-256 of the key, so any key is a safe file name). Writes go to a
 * temporary file that is renamed into place, so a reader never sees half a value; a file that is truncated, corrupt or
 * unreadable is a miss. No operation rejects: an I/O failure degrades to a miss (get) or to not caching (set).
 */
/**
 * Cached values are derived from prompts: only the owner may read them (files 0600, directories 0700; a directory that
 * already exists keeps its mode, the umask can only narrow these).
 */
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

export function fileCacheStore(options: FileCacheStoreOptions): FileCacheStore {
  const directory = options.directory;
  const maxBytes = options.maxBytes;
  if (typeof directory !== 'string' || directory.length === 0) throw new TypeError('fileCacheStore needs { directory }');
  if (maxBytes !== undefined && !(maxBytes >= 0)) throw new RangeError(`maxBytes must be a number ≥ 0, got ${String(maxBytes)}`);
  try {
    mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
  } catch {
    // unusable directory: every operation below degrades
  }
  const pathOf = (name: string): string => join(directory, name.slice(0, 2), `${name}.bin`);
  /** Recency index (oldest first) and sizes, only kept when bounded. */
  const index = new Map<string, number>();
  let bytes = 0;
  if (maxBytes !== undefined) {
    const found: Array<{ name: string; size: number; mtime: number }> = [];
    try {
      for (const shard of readdirSync(directory)) {
        if (shard.length !== 2) continue;
        for (const file of readdirSync(join(directory, shard))) {
          if (!file.endsWith('.bin')) continue;
          try {
            const st = statSync(join(directory, shard, file));
            found.push({ name: file.slice(0, -4), size: st.size, mtime: st.mtimeMs });
          } catch {
            // vanished meanwhile
          }
        }
      }
    } catch {
      // empty or unreadable
    }
    found.sort((a, b) => a.mtime - b.mtime);
    for (const f of found) {
      index.set(f.name, f.size);
      bytes += f.size;
    }
  }
  const touch = (name: string, size: number): void => {
    const old = index.get(name);
    if (old !== undefined) {
      index.delete(name);
      bytes -= old;
    }
    index.set(name, size);
    bytes += size;
  };
  const forget = (name: string): void => {
    const old = index.get(name);
    if (old === undefined) return;
    index.delete(name);
    bytes -= old;
  };
  const evict = async (keep: string): Promise<void> => {
    if (maxBytes === undefined) return;
    for (const name of index.keys()) {
      if (bytes <= maxBytes) break;
      if (name === keep) continue;
      forget(name);
      await unlink(pathOf(name)).catch(() => undefined);
    }
  };
  const onRead = (name: string, raw: Uint8Array | undefined): Uint8Array | undefined => {
    const value = raw === undefined ? undefined : unwrap(raw);
    if (maxBytes !== undefined) {
      if (value === undefined) forget(name);
      else touch(name, raw!.byteLength);
    }
    if (raw !== undefined && value === undefined) void unlink(pathOf(name)).catch(() => undefined); // corrupt: drop it
    return value;
  };
  return {
    name: 'file',
    directory,
    async get(key) {
      const name = fileName(key);
      let raw: Uint8Array | undefined;
      try {
        raw = new Uint8Array(await readFile(pathOf(name)));
      } catch {
        raw = undefined;
      }
      return onRead(name, raw);
    },
    getSync(key) {
      const name = fileName(key);
      let raw: Uint8Array | undefined;
      try {
        raw = new Uint8Array(readFileSync(pathOf(name)));
      } catch {
        raw = undefined;
      }
      return onRead(name, raw);
    },
    async set(key, value) {
      const name = fileName(key);
      const size = value.byteLength + HEADER;
      if (maxBytes !== undefined && size > maxBytes) return;
      const path = pathOf(name);
      const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      const out = new Uint8Array(size);
      const view = new DataView(out.buffer);
      view.setUint32(0, MAGIC, true);
      view.setUint32(4, value.byteLength, true);
      out.set(value, HEADER);
      try {
        await mkdir(join(directory, name.slice(0, 2)), { recursive: true, mode: DIRECTORY_MODE });
        await writeFile(tmp, out, { mode: FILE_MODE });
        await rename(tmp, path);
      } catch {
        await unlink(tmp).catch(() => undefined);
        return;
      }
      if (maxBytes !== undefined) {
        touch(name, size);
        await evict(name);
      }
    },
    async delete(key) {
      const name = fileName(key);
      forget(name);
      await unlink(pathOf(name)).catch(() => undefined);
    },
    async clear() {
      index.clear();
      bytes = 0;
      try {
        for (const shard of readdirSync(directory)) if (shard.length === 2) await rm(join(directory, shard), { recursive: true, force: true });
      } catch {
        // nothing to clear
      }
    },
    async close() {
      // nothing held open
    },
  };
}
