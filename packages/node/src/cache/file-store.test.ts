import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileCacheStore } from './file-store.js';

const root = mkdtempSync(join(tmpdir(), 'ctxpress-file-store-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string): number => statSync(path).mode & 0o777;

describe.skipIf(process.platform === 'win32')('fileCacheStore permissions (values are derived from prompts)', () => {
  it('creates its directories 0700 and its files 0600, whatever the umask allows', async () => {
    const previous = process.umask(0o022);
    try {
      const directory = join(root, 'nested', 'cache');
      const store = fileCacheStore({ directory });
      await store.set('some key', new Uint8Array([1, 2, 3]));
      await store.set('another key', new Uint8Array([4]));
      expect(mode(directory)).toBe(0o700);
      expect(mode(join(root, 'nested'))).toBe(0o700);
      const shards = readdirSync(directory);
      expect(shards.length).toBeGreaterThan(0);
      for (const shard of shards) {
        expect(mode(join(directory, shard))).toBe(0o700);
        for (const file of readdirSync(join(directory, shard))) expect(mode(join(directory, shard, file))).toBe(0o600);
      }
      expect(Array.from((await store.get('some key'))!)).toEqual([1, 2, 3]);
    } finally {
      process.umask(previous);
    }
  });
});
