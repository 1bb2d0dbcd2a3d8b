import { describe, expect, it } from 'vitest';
import { compressToolOutput, detectContentType } from './content-type.js';
import { wordTokenizer } from './testing/word-tokenizer.js';
import { isCtxpressError } from './errors.js';

const tokenizer = wordTokenizer();

const LOG = [
  '2024-11-26T04:00:00Z INFO server started on :8080',
  '2024-11-26T04:00:01Z INFO GET /health 200',
  '2024-11-26T04:00:02Z WARN slow query took 2300ms',
  '2024-11-26T04:00:03Z ERROR upstream payments timed out',
  '\tat com.acme.Pay.call(Pay.java:10)',
  '2024-11-26T04:00:04Z INFO GET /health 200',
].join('\n');

describe('detectContentType', () => {
  it('detects JSON objects and arrays, not JSON scalars or broken JSON', () => {
    expect(detectContentType('  {"a": [1, 2]}\n')).toBe('json');
    expect(detectContentType('[{"id": 1}]')).toBe('json');
    expect(detectContentType('"just a string"')).toBe('text');
    expect(detectContentType('{"a": 1')).not.toBe('json');
  });
  it('detects logs by timestamps, levels, access-log lines and JSON log records', () => {
    expect(detectContentType(LOG)).toBe('logs');
    expect(detectContentType('INFO starting\nDEBUG loaded config\nERROR failed to bind\n')).toBe('logs');
    expect(detectContentType('Nov 26 04:12:07 web sshd[812]: Accepted key\nNov 26 04:12:09 web sshd[812]: session opened\n')).toBe('logs');
    expect(detectContentType('10.0.0.1 - - [26/Nov/2024:04:12:07 +0000] "GET / HTTP/1.1" 200 12\n10.0.0.2 - - [26/Nov/2024:04:12:08 +0000] "GET /a HTTP/1.1" 404 9\n')).toBe('logs');
    expect(detectContentType('{"level":"info","msg":"a"}\n{"level":"error","msg":"b"}\n')).toBe('logs');
  });
  it('detects Markdown and falls back to text', () => {
    expect(detectContentType('# Title\n\nSome text.\n\n- a\n- b\n')).toBe('markdown');
    expect(detectContentType('The rover landed in 2021. It found organic molecules.')).toBe('text');
    expect(detectContentType('')).toBe('text');
  });
});

describe('compressToolOutput', () => {
  it('dispatches by the detected type with one result shape', () => {
    const json = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item ${i}`, note: 'lorem ipsum dolor sit amet' })) });
    const r = compressToolOutput(json, { budget: { ratio: 4 }, tokenizer, query: 'item 33' });
    expect(r.contentType).toBe('json');
    expect(() => JSON.parse(r.text) as unknown).not.toThrow();
    expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
    expect(r.detail.kind).toBe('json');

    const logs = compressToolOutput(LOG.repeat(1), { budget: { ratio: 1.5 }, tokenizer });
    expect(logs.contentType).toBe('logs');
    expect(logs.text).toContain('ERROR upstream payments timed out');

    const text = compressToolOutput('One sentence here. Another sentence there. A third one about payments.', { budget: { ratio: 2 }, tokenizer, query: 'payments' });
    expect(text.contentType).toBe('text');
    expect(text.text).toContain('payments');
  });
  it('honours the override and rejects unknown types', () => {
    expect(compressToolOutput(LOG, { budget: { ratio: 2 }, tokenizer, contentType: 'text' }).contentType).toBe('text');
    try {
      compressToolOutput('x', { budget: { ratio: 2 }, tokenizer, contentType: 'yaml' as never });
      throw new Error('no error');
    } catch (e) {
      expect(isCtxpressError(e) && e.code).toBe('INVALID_OPTION');
    }
    try {
      compressToolOutput('not json', { budget: { ratio: 2 }, tokenizer, contentType: 'json' });
      throw new Error('no error');
    } catch (e) {
      expect(isCtxpressError(e) && e.code).toBe('INVALID_INPUT');
    }
  });
});
