import { describe, expect, it } from 'vitest';
import { compressLogs, isErrorLine, logTemplate } from './compress-logs.js';
import { wordTokenizer } from '../testing/word-tokenizer.js';

const tokenizer = wordTokenizer();

const JAVA_TRACE = [
  '2024-11-26 04:12:07,331 ERROR [http-nio-8080-exec-7] c.a.orders.OrderController - Request failed for order 88123',
  'java.lang.IllegalStateException: Inventory reservation expired for sku ABC-1234',
  '\tat com.acme.orders.InventoryClient.reserve(InventoryClient.java:142)',
  '\tat com.acme.orders.OrderService.place(OrderService.java:77)',
  '\tat com.acme.orders.OrderController.create(OrderController.java:51)',
  'Caused by: java.net.SocketTimeoutException: Read timed out',
  '\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)',
  '\t... 42 more',
];
const PY_TRACE = [
  '2024-11-26 04:13:00,002 ERROR worker-3 Task sync_invoices failed',
  'Traceback (most recent call last):',
  '  File "/srv/app/tasks.py", line 88, in sync_invoices',
  '    client.push(batch)',
  '  File "/srv/app/billing/client.py", line 41, in push',
  '    raise QuotaExceeded(resp.status)',
  'billing.errors.QuotaExceeded: 429',
];

/** A web server log: startup, a burst of 500 health checks, requests, warnings, a Java trace and a Python traceback. */
function webLog(): { text: string; lines: string[] } {
  const lines: string[] = [];
  const ts = (s: number): string => `2024-11-26 04:${String(10 + Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')},${String((s * 37) % 1000).padStart(3, '0')}`;
  lines.push(`${ts(0)} INFO  [main] o.s.b.Application - Starting Application v3.2.1 on host web-7 with PID 4242`);
  lines.push(`${ts(1)} INFO  [main] o.s.b.Application - Listening on port 8080`);
  for (let i = 0; i < 500; i++) lines.push(`${ts(2 + (i % 50))} INFO  [http-nio-8080-exec-${(i % 9) + 1}] access - 10.0.${i % 4}.${(i * 7) % 250} "GET /health HTTP/1.1" 200 ${15 + (i % 3)} ${(i % 5) + 1}ms`);
  lines.push(`${ts(60)} WARN  [pool-2-thread-1] c.a.cache.RedisCache - Connection pool nearly exhausted: 48/50 in use`);
  for (let i = 0; i < 20; i++) lines.push(`${ts(61 + i)} INFO  [http-nio-8080-exec-${(i % 9) + 1}] access - 10.0.1.${i} "GET /api/orders/${1000 + i * 13} HTTP/1.1" 200 ${512 + i} ${20 + i}ms`);
  lines.push(`${ts(85)} INFO  [http-nio-8080-exec-2] access - 10.0.3.9 "POST /api/refunds/7781 HTTP/1.1" 201 88 41ms refund issued for customer cus_9F2kLm`);
  lines.push(...JAVA_TRACE);
  for (let i = 0; i < 30; i++) lines.push(`${ts(90 + i)} DEBUG [scheduler-1] c.a.jobs.Poller - polled queue orders-events, ${i % 4} messages`);
  lines.push(`${ts(125)} WARN  [main] c.a.config.Settings - Deprecated property 'cache.ttl' used; use 'cache.expiry'`);
  lines.push(...PY_TRACE);
  for (let i = 0; i < 15; i++) lines.push(`${ts(130 + i)} INFO  [http-nio-8080-exec-4] access - 10.0.2.${i} "GET /api/products?page=${i} HTTP/1.1" 200 ${2048 + i} ${30 + i}ms`);
  lines.push(`${ts(150)} INFO  [main] o.s.b.Application - Shutdown complete`);
  return { text: lines.join('\n') + '\n', lines };
}

describe('compressLogs', () => {
  it('folds the health-check burst with exact counts', () => {
    const { text, lines } = webLog();
    const r = compressLogs(text, { budget: { ratio: 4 }, tokenizer });
    const burst = r.groups.find((g) => g.template.includes('/health'));
    expect(burst).toEqual({ template: logTemplate(lines[2]!), count: 500, firstLine: 3, lastLine: 502 });
    expect(r.text).toContain('… ×498 similar lines (lines 4–501)');
    expect(r.text).toContain(lines[2]!);
    expect(r.text).toContain(lines[501]!);
    const polls = r.groups.find((g) => g.template.includes('polled queue'));
    expect(polls?.count).toBe(30);
  });

  it('keeps every error, warning and stack line, the first and the last line, within the budget', () => {
    const { text, lines } = webLog();
    for (const ratio of [2, 4, 10]) {
      const r = compressLogs(text, { budget: { ratio }, tokenizer });
      expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
      expect(tokenizer.count(r.text)).toBe(r.tokens.compressed);
      expect(r.truncatedErrors).toBe(0);
      const out = r.text.split('\n');
      for (const l of [...JAVA_TRACE, ...PY_TRACE]) expect(out).toContain(l);
      for (const l of lines.filter((x) => x.includes(' WARN '))) expect(out).toContain(l);
      expect(out[0]).toBe(lines[0]);
      expect(out[out.length - 1]).toBe(lines[lines.length - 1]);
    }
  });

  it('every output line is an input line or a fold marker, and spans point at the kept lines', () => {
    const { text, lines } = webLog();
    const r = compressLogs(text, { budget: { ratio: 6 }, tokenizer, query: 'refund customer' });
    const input = new Set(lines);
    for (const l of r.text.split('\n')) expect(input.has(l) || /^… ×\d+ similar lines \(lines \d+–\d+\)$/.test(l)).toBe(true);
    const fromSpans = r.kept.flatMap((s) => text.slice(s.start, s.end).split('\n'));
    expect(fromSpans).toEqual(r.text.split('\n').filter((l) => !l.startsWith('… ×')));
    expect(r.text).toContain('POST /api/refunds/7781'); // the query match
  });

  it('when the pinned lines alone exceed the budget, keeps the most recent errors and counts the rest', () => {
    const { text } = webLog();
    const r = compressLogs(text, { budget: { tokens: 150 }, tokenizer });
    expect(r.tokens.compressed).toBeLessThanOrEqual(150);
    expect(r.truncatedErrors).toBeGreaterThan(0);
    for (const l of PY_TRACE) expect(r.text).toContain(l); // the latest trace survives whole, before older warnings
    expect(r.text).not.toContain('Connection pool nearly exhausted');
  });

  it('keeps Go panics whole and folds repeated warnings', () => {
    const lines = ['2024-01-01T00:00:00Z INFO start'];
    for (let i = 0; i < 50; i++) lines.push(`2024-01-01T00:00:${String(i).padStart(2, '0')}Z WARN retrying connection to 10.1.1.${i} attempt=${i}`);
    for (let i = 0; i < 40; i++) lines.push(`2024-01-01T00:01:${String(i).padStart(2, '0')}Z INFO tick ${i} ok`);
    lines.push('panic: runtime error: index out of range [5] with length 3', '', 'goroutine 1 [running]:', 'main.main()', '\t/app/main.go:12 +0x1d', 'exit status 2');
    const text = lines.join('\n');
    const r = compressLogs(text, { budget: { ratio: 5 }, tokenizer });
    expect(r.groups.find((g) => g.template.includes('WARN'))?.count).toBe(50);
    for (const l of ['panic: runtime error: index out of range [5] with length 3', 'goroutine 1 [running]:', 'main.main()', '\t/app/main.go:12 +0x1d']) expect(r.text).toContain(l);
    expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
  });

  it('returns the input when it fits, and an empty result for an empty input', () => {
    expect(compressLogs('a\nb', { budget: { tokens: 100 }, tokenizer }).text).toBe('a\nb');
    expect(compressLogs('', { budget: { ratio: 2 }, tokenizer }).text).toBe('');
  });

  it('masks variable parts in templates', () => {
    expect(logTemplate('2024-11-26T04:12:07.331Z req 3f1c2a4e-1111-4000-8000-000000000001 from 10.0.0.1:443 took 12.5ms hash deadbeef01')).toBe(
      '<ts> req <uuid> from <ip> took <n>ms hash <hex>',
    );
    expect(logTemplate('Nov 26 04:12:07 host sshd[812]: Accepted key for root')).toBe('<ts> host sshd[<n>]: Accepted key for root');
    expect(isErrorLine('INFO no errors found')).toBe(false);
    expect(isErrorLine('level=error msg="db down"')).toBe(true);
    expect(isErrorLine('java.lang.NullPointerException')).toBe(true);
  });
});

describe('compressLogs properties', () => {
  it('never exceeds the budget; every output line is an input line or a marker', async () => {
    const fc = (await import('fast-check')).default;
    const line = fc.oneof(
      fc.constantFrom('INFO ok', 'GET /health 200', 'ERROR db down', '\tat a.b.C.d(C.java:1)', 'WARN slow', '', 'Traceback (most recent call last):', '  File "x.py", line 3, in f', 'ValueError: bad'),
      fc.integer({ min: 0, max: 999 }).map((n) => `2024-01-01T00:00:00Z INFO request ${n} done`),
      fc.string({ maxLength: 30 }).filter((s) => !s.includes('\n') && !s.includes('\r')),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 120 }), fc.integer({ min: 1, max: 300 }), (lines, tokens) => {
        const text = lines.join('\n');
        const r = compressLogs(text, { budget: { tokens }, tokenizer });
        expect(tokenizer.count(r.text)).toBeLessThanOrEqual(Math.max(tokens, r.tokens.original <= tokens ? r.tokens.original : 0));
        const input = new Set(lines);
        if (r.text.length > 0) for (const l of r.text.split('\n')) expect(input.has(l) || /^… ×\d+ similar lines \(lines \d+–\d+\)$/.test(l)).toBe(true);
        for (const g of r.groups) expect(g.lastLine - g.firstLine + 1).toBe(g.count);
      }),
      { numRuns: 300 },
    );
  });
});
