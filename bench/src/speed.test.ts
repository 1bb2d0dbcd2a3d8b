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

  it('starts every group of adversarial inputs with prose of the same tokenizer (same length for o200k_base)', () => {
    for (const [prose, ...adversarial] of ADVERSARIAL) {
      expect(prose!.kind).toBe('prose');
      expect(adversarial.length).toBeGreaterThan(0);
      for (const input of adversarial) {
        expect(input.kind).not.toBe('prose');
        expect(input.tokenizer).toBe(prose!.tokenizer);
        if (input.tokenizer === undefined) expect(input.chars).toBe(prose!.chars);
      }
    }
  });
});
