import { describe, expect, it } from 'vitest';
import { planCompress } from './compress-request.js';

const PROSE = 'The harbour opened in 1872 after six years of work. Ships brought timber and salt.\n'.repeat(3000);
const JSON_TEXT = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}` })) }, null, 2);

describe('planCompress (the HTTP edge on parseCompressRequest + compressRequest)', () => {
  it("a request's timeLimitMs applies, capped by the service's", async () => {
    await expect(planCompress({ text: PROSE, budget: { ratio: 4 }, timeLimitMs: 0.001 }).run()).rejects.toMatchObject({ code: 'TIME_LIMIT' });
    await expect(planCompress({ text: PROSE, budget: { ratio: 4 }, timeLimitMs: 60_000 }, { timeLimitMs: 0.001 }).run()).rejects.toMatchObject({
      code: 'TIME_LIMIT',
    });
    const fine = await planCompress({ text: PROSE, budget: { ratio: 4 }, timeLimitMs: 60_000 }, { timeLimitMs: 60_000 }).run();
    expect(fine.tokens.compressed).toBeLessThanOrEqual(fine.tokens.budget);
  });

  it('format auto (the default) sends a JSON text to compressJson (ADR 0018); format text keeps it prose', async () => {
    const auto = (await planCompress({ text: JSON_TEXT, budget: { ratio: 3 } }).run()) as unknown as Record<string, unknown>;
    expect(auto).toHaveProperty('value');
    expect(() => JSON.parse(auto['text'] as string)).not.toThrow();
    const prose = (await planCompress({ text: JSON_TEXT, budget: { ratio: 3 }, format: 'text' }).run()) as unknown as Record<string, unknown>;
    expect(prose).toMatchObject({ shape: 'compact' });
    expect(prose).not.toHaveProperty('value');
  });

  it('shape is the edge\'s own field; the regex policy decides keep patterns', async () => {
    expect(await planCompress({ text: 'Order ID-42 shipped.', budget: { tokens: 50 }, shape: 'full' }).run()).not.toHaveProperty('shape');
    expect(() => planCompress({ text: 'a', budget: { tokens: 5 }, shape: 'tiny' })).toThrow(/shape must be one of compact, full/);
    expect(() => planCompress({ text: 'a', budget: { tokens: 5 }, keep: ['/ID-\\d+/'] }, { regexKeep: 'none' })).toThrow(/does not accept regular expressions/);
    expect(() => planCompress({ text: 'a', budget: { tokens: 5 }, keep: ['ID-42'] }, { regexKeep: 'none' })).not.toThrow();
  });
});
