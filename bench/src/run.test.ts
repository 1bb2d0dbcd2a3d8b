import { describe, expect, it } from 'vitest';
import { parsePlan } from './run.js';

describe('parsePlan', () => {
  it('defaults to both suites, all methods, ratios 2/4/10/20', () => {
    const plan = parsePlan([], {});
    expect(plan).not.toBe('help');
    if (plan === 'help') return;
    expect(plan.suites).toEqual(['quality', 'speed', 'chat', 'chat-shapes', 'tools', 'code', 'cache', 'load']);
    expect(plan.methods).toEqual(['ctxpress', 'ctxpress+prune', 'ctxpress-noquery', 'head', 'random', 'bm25']);
    expect(plan.ratios).toEqual([2, 4, 10, 20]);
    expect(plan.checkRatios).toEqual([4, 10]);
    expect(plan.sizes).toEqual([1000, 10000, 100000, 1000000]);
    expect(plan.limit).toBeUndefined();
  });
  it('reads the flags', () => {
    const plan = parsePlan(['--suite', 'quality', '--limit', '20', '--tasks', 'qa,needle', '--methods', 'ctxpress,bm25', '--out', '/tmp/x', '--workers', '1'], {
      CTXPRESS_DATA: '/data',
    });
    if (plan === 'help') throw new Error('unexpected help');
    expect(plan).toMatchObject({ suites: ['quality'], limit: 20, tasks: ['qa', 'needle'], methods: ['ctxpress', 'bm25'], out: '/tmp/x', workers: 1, data: '/data' });
  });
  it.each([
    [['--suite', 'fast']],
    [['--limit', '0']],
    [['--methods', 'llmlingua']],
    [['--ratios', '0.5']],
    [['--bogus']],
  ])('rejects %j', (argv) => {
    expect(() => parsePlan(argv, {})).toThrow();
  });
  it('returns help for --help', () => {
    expect(parsePlan(['--help'], {})).toBe('help');
  });
});
