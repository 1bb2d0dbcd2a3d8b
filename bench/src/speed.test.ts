import { describe, expect, it } from 'vitest';
import { ADVERSARIAL, adversarialText } from './speed.js';

describe('speed suite adversarial inputs', () => {
  const blocks = ['First block of prose.', 'Second block, a little longer than the first.', 'Third.'];

  it('builds each kind at its exact length, each variant different', () => {
    for (const pair of ADVERSARIAL) {
      for (const input of pair) {
        const a = adversarialText({ ...input, chars: 5000 }, 1, blocks);
        const b = adversarialText({ ...input, chars: 5000 }, 2, blocks);
        expect(a.length).toBe(5000);
        expect(b.length).toBe(5000);
        expect(a).not.toBe(b);
      }
    }
  });

  it('makes one unbroken run, CJK without punctuation, and prose', () => {
    expect(adversarialText({ kind: 'run', chars: 1000 }, 0, blocks)).toBe('a'.repeat(1000));
    expect(adversarialText({ kind: 'cjk', chars: 1000 }, 3, blocks)).toMatch(/^[\u4e00-\u9fff]{1000}$/);
    expect(adversarialText({ kind: 'prose', chars: 30 }, 0, blocks)).toBe('First block of prose.\n\nSecond ');
  });

  it('pairs every adversarial input with prose of the same length', () => {
    for (const [prose, adversarial] of ADVERSARIAL) {
      expect(prose.kind).toBe('prose');
      expect(adversarial.chars).toBe(prose.chars);
    }
  });
});
