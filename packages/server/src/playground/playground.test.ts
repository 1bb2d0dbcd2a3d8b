import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { Metrics } from '../metrics.js';
import { playgroundHtml } from './page.js';
import { PLAYGROUND_JS } from './script.js';
import { PLAYGROUND_CSS } from './styles.js';

const compressBody = JSON.stringify({ text: 'The lighthouse was relit in 2022. Tours run on weekends.', budget: { ratio: 2 } });

describe('GET / (the playground page)', () => {
  it('serves the page as HTML with a strict Content-Security-Policy', async () => {
    const res = await createApp().request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('data-testid="input"');
    // The inline script and style are exactly the ones whose hashes the policy allows.
    const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(script).toBe(PLAYGROUND_JS);
    expect(style).toBe(PLAYGROUND_CSS);
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
  });

  it('answers HEAD with the headers and no body, and other methods with 405', async () => {
    const app = createApp();
    const head = await app.request('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(head.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await head.text()).toBe('');
    const post = await app.request('/', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
  });

  it('references no external URL, so it works offline', async () => {
    const html = await (await createApp().request('/')).text();
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\/\/cdn/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    // The script is a plain string: no template-literal syntax leaked into it, and it builds DOM without innerHTML.
    expect(PLAYGROUND_JS).not.toContain('`');
    expect(PLAYGROUND_JS).not.toContain('innerHTML');
    expect(PLAYGROUND_JS).not.toMatch(/\beval\(|new Function/);
  });

  it('is a syntactically valid script', () => {
    expect(() => new Function(PLAYGROUND_JS)).not.toThrow();
  });

  it('stays reachable without an API key when keys are configured, while /v1/compress still needs one', async () => {
    const app = createApp({ apiKeys: ['secret-key'] });
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-requires-key="true"');
    expect((await app.request('/', { method: 'HEAD' })).status).toBe(200);
    const anonymous = await app.request('/v1/compress', { method: 'POST', headers: { 'content-type': 'application/json' }, body: compressBody });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    const keyed = await app.request('/v1/compress', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret-key' },
      body: compressBody,
    });
    expect(keyed.status).toBe(200);
    // Other methods on / are not exempt.
    expect((await app.request('/', { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('tells the page whether a key is needed', () => {
    expect(playgroundHtml()).toContain('data-requires-key="false"');
    expect(playgroundHtml({ apiKeyRequired: true })).toContain('data-requires-key="true"');
  });

  it('labels its requests "/" in the metrics', async () => {
    const metrics = new Metrics();
    const app = createApp({}, { metrics });
    await app.request('/');
    expect(metrics.render()).toContain('ctxpress_http_requests_total{route="/",method="GET",status="200"} 1');
  });
});
