import { describe, expect, it } from 'vitest';
import { ADAPTERS } from './adapters.js';
import { rebuildMessage } from './shared.js';

describe('rebuildMessage copies only the path to a changed text', () => {
  it('keeps a file part with URL or byte data as the input object, and never mutates the input', () => {
    const url = new URL('https://example.com/rover.png');
    const bytes = new Uint8Array([1, 2, 3]);
    const providerOptions = { openai: { detail: 'low' } };
    const message = {
      role: 'user',
      content: [
        { type: 'text', text: 'First part of a long message that will be cut. '.repeat(5) },
        { type: 'file', data: url, mediaType: 'image/png' },
        { type: 'file', data: bytes, mediaType: 'application/pdf', providerOptions },
        { type: 'text', text: 'What limits the battery?' },
      ],
    };
    const snapshot = JSON.stringify(message);
    const [parsed] = ADAPTERS['ai-sdk'].parse([message]);
    const texts = parsed!.slots.map((slot, i) => (i === 0 ? 'First part.' : slot.text));
    const rebuilt = rebuildMessage(parsed!, texts) as typeof message;
    expect(rebuilt).not.toBe(message);
    expect(rebuilt.content[0]).toEqual({ type: 'text', text: 'First part.' });
    expect(rebuilt.content[1]).toBe(message.content[1]); // untouched part: the same object, URL intact
    expect((rebuilt.content[1] as { data: URL }).data).toBe(url);
    expect((rebuilt.content[2] as { data: Uint8Array }).data).toBe(bytes);
    expect(rebuilt.content[3]).toBe(message.content[3]);
    expect(JSON.stringify(message)).toBe(snapshot);
  });

  it('removes a dropped part from a copy of the content array only', () => {
    const message = {
      role: 'user',
      content: [
        { type: 'text', text: 'drop me' },
        { type: 'text', text: 'keep me' },
      ],
    };
    const [parsed] = ADAPTERS['ai-sdk'].parse([message]);
    const rebuilt = rebuildMessage(parsed!, [null, 'keep me']) as typeof message;
    expect(rebuilt.content).toEqual([{ type: 'text', text: 'keep me' }]);
    expect(message.content).toHaveLength(2);
  });
});
