import { describe, expect, it } from 'vitest';
import { editJsonObject, topLevelMembers } from './json-splice.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : new TextDecoder().decode(value));
const edit = (body: string, change: Parameters<typeof editJsonObject>[1]): string | undefined => text(editJsonObject(bytes(body), change));

describe('topLevelMembers', () => {
  it('finds every top-level member with exact byte ranges, skipping nested objects and strings', () => {
    const body = '{ "a\\u0022b": [1, {"messages": "no"}], "messages" :\n[{"x": "}]\\"{"}] , "é": "ü", "n": -1.5e3, "t": true, "z": null}';
    const members = topLevelMembers(bytes(body))!;
    expect(members.map((m) => m.key)).toEqual(['a"b', 'messages', 'é', 'n', 't', 'z']);
    const raw = bytes(body);
    const value = (i: number): string => text(raw.subarray(members[i]!.valueStart, members[i]!.valueEnd))!;
    expect(value(0)).toBe('[1, {"messages": "no"}]');
    expect(value(1)).toBe('[{"x": "}]\\"{"}]');
    expect(value(2)).toBe('"ü"');
    expect(value(3)).toBe('-1.5e3');
    expect(value(5)).toBe('null');
  });

  it('reads escaped keys as JSON.parse does, and keeps duplicates in order', () => {
    const members = topLevelMembers(bytes('{"\\u006dessages": 1, "messages": 2}'))!;
    expect(members.map((m) => m.key)).toEqual(['messages', 'messages']);
  });

  it.each(['[1, 2]', '"x"', '42', '', '{"a": 1', '{"a" 1}', '{"a": 1,}', '{"a": 1} x', '{"a": "open}'])('is undefined for %j', (body) => {
    expect(topLevelMembers(bytes(body))).toBeUndefined();
  });

  it('accepts an empty object, surrounding white space and a byte-order mark', () => {
    expect(topLevelMembers(bytes(' {\n} \n'))).toEqual([]);
    expect(topLevelMembers(bytes('\uFEFF{"a": 1}'))!.map((m) => m.key)).toEqual(['a']);
  });
});

describe('editJsonObject', () => {
  it('replaces one value and leaves every other byte alone', () => {
    const body = '{\n  "seed": 12345678901234567890,\n  "temperature": 1.0,\n  "messages": [{"role": "user", "content": "caf\\u00e9"}],\n  "stop": ["\\n"]\n}';
    const out = edit(body, { replace: { key: 'messages', json: '[{"role":"user","content":"x"}]' } });
    expect(out).toBe('{\n  "seed": 12345678901234567890,\n  "temperature": 1.0,\n  "messages": [{"role":"user","content":"x"}],\n  "stop": ["\\n"]\n}');
  });

  it('replaces the last of duplicate members (the one JSON.parse reads)', () => {
    expect(edit('{"messages": 1, "messages": 2}', { replace: { key: 'messages', json: '3' } })).toBe('{"messages": 1, "messages": 3}');
  });

  it.each([
    ['{"ctxpress": {"budget": {"tokens": 5}}, "model": "m"}', '{"model": "m"}'],
    ['{"model": "m", "ctxpress": {}}', '{"model": "m"}'],
    ['{"model": "m",\n "ctxpress": {},\n "n": 1}', '{"model": "m",\n "n": 1}'],
    ['{ "ctxpress": 1 }', '{  }'],
    ['{"ctxpress": 1, "ctxpress": 2, "a": 1, "ctxpress": 3, "ctxpress": 4, "b": 2, "ctxpress": 5}', '{"a": 1, "b": 2}'],
    ['{"note": "\\"ctxpress\\": 1", "ctxpress": 1}', '{"note": "\\"ctxpress\\": 1"}'],
  ])('removes the member with its comma: %j', (body, expected) => {
    const out = edit(body, { remove: ['ctxpress'] })!;
    expect(out).toBe(expected);
    expect(() => JSON.parse(out)).not.toThrow();
  });

  it('removes and replaces in one pass, next to each other', () => {
    expect(edit('{"messages": [1], "ctxpress": {}}', { remove: ['ctxpress'], replace: { key: 'messages', json: '[]' } })).toBe('{"messages": []}');
    expect(edit('{"ctxpress": {}, "messages": [1]}', { remove: ['ctxpress'], replace: { key: 'messages', json: '[]' } })).toBe('{"messages": []}');
  });

  it('returns the same bytes when there is nothing to change, undefined when it cannot edit', () => {
    const raw = bytes('{"a": 1}');
    expect(editJsonObject(raw, { remove: ['ctxpress'] })).toBe(raw);
    expect(editJsonObject(raw, { replace: { key: 'messages', json: '[]' } })).toBeUndefined();
    expect(editJsonObject(bytes('[1]'), { remove: ['ctxpress'] })).toBeUndefined();
  });

  it('keeps multi-byte characters whole around the edit', () => {
    const body = '{"名前": "テスト", "input": "😀 long", "ctxpress": {}}';
    expect(edit(body, { remove: ['ctxpress'], replace: { key: 'input', json: '"😀"' } })).toBe('{"名前": "テスト", "input": "😀"}');
  });
});
