import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type AccessLogEntry } from './app.js';
import { hostAllowed, hostName, isJsonContentType, originListed, sameOrigin } from './guard.js';
import { Metrics } from './metrics.js';
import { startServer } from './server.js';

/** A fake upstream on 127.0.0.1 that records what reaches it. */
const received: { url: string; authorization: string | undefined }[] = [];
let upstream: Server;
let upstreamUrl = '';
beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'list', data: [], choices: [{ message: { role: 'assistant', content: 'ok' } }] }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
});

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });

async function code(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { error?: { code?: string } };
  return res.headers.get('x-ctxpress-error') ?? body.error?.code;
}

describe('guard helpers', () => {
  it('reads host names and allows localhost, IP literals, the configured host and allowedHosts', () => {
    expect(hostName('[::1]:8787')).toBe('[::1]');
    expect(hostName('Example.COM.:80')).toBe('example.com');
    expect(hostName('a:b:c')).toBeUndefined();
    for (const host of ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787', 'localhost', '10.0.0.5:8787', '[fe80::1]'])
      expect(hostAllowed(host, '127.0.0.1', [])).toBe(true);
    for (const host of ['attacker.example', 'attacker.example:8787', '127.0.0.1.nip.io:8787', 'localhost.attacker.example', '', '[nope]']) {
      expect(hostAllowed(host, '127.0.0.1', [])).toBe(false);
    }
    expect(hostAllowed(null, '127.0.0.1', [])).toBe(false);
    expect(hostAllowed('myhost.lan:8787', 'myhost.lan', [])).toBe(true);
    expect(hostAllowed('ctxpress:8787', '0.0.0.0', ['ctxpress'])).toBe(true);
    expect(hostAllowed('api.corp.example', '0.0.0.0', ['.corp.example'])).toBe(true);
    expect(hostAllowed('corp.example', '0.0.0.0', ['.corp.example'])).toBe(true);
    expect(hostAllowed('evilcorp.example', '0.0.0.0', ['.corp.example'])).toBe(false);
    expect(hostAllowed('anything.example', '0.0.0.0', ['*'])).toBe(true);
  });

  it('compares origins and content types', () => {
    expect(sameOrigin('http://127.0.0.1:8787', '127.0.0.1:8787')).toBe(true);
    expect(sameOrigin('http://127.0.0.1:8788', '127.0.0.1:8787')).toBe(false);
    expect(sameOrigin('null', '127.0.0.1:8787')).toBe(false);
    expect(originListed('https://app.example.com', ['https://app.example.com'])).toBe(true);
    expect(originListed('https://app.example.com:444', ['https://app.example.com'])).toBe(false);
    expect(originListed('null', ['https://app.example.com'])).toBe(false);
    expect(originListed('https://any.example', ['*'])).toBe(true);
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json ; charset=utf-8']) {
      expect(isJsonContentType(type)).toBe(true);
    }
    for (const type of [
      null,
      'text/plain',
      'text/plain; charset=application/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
    ]) {
      expect(isJsonContentType(type)).toBe(false);
    }
  });
});

describe('a web page cannot drive the service (issue 9 item 7)', () => {
  const app = (extra: Record<string, unknown> = {}): ReturnType<typeof createApp> =>
    createApp({ upstream: upstreamUrl, upstreamApiKey: 'sk-operator', workers: 0, ...extra });

  it('refuses a cross-site text/plain POST with a foreign Origin, and forwards nothing', async () => {
    const res = await app().request('http://127.0.0.1:8787/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://attacker.example' },
      body: chat,
    });
    expect(res.status).toBe(403);
    expect(await code(res)).toBe('ORIGIN_NOT_ALLOWED');
    expect(received).toEqual([]);
  });

  it('refuses a foreign Origin even with a JSON body, on every route (passthrough, compress, metrics)', async () => {
    const a = app();
    for (const [path, init] of [
      ['/v1/chat/completions', { method: 'POST', body: chat, headers: { 'content-type': 'application/json' } }],
      ['/v1/compress', { method: 'POST', body: '{"text":"x"}', headers: { 'content-type': 'application/json' } }],
      ['/v1/models', { method: 'GET' }],
      ['/metrics', { method: 'GET' }],
    ] as const) {
      const res = await a.request(`http://127.0.0.1:8787${path}`, {
        ...init,
        headers: { ...('headers' in init ? init.headers : {}), origin: 'http://evil.example' },
      });
      expect(res.status, path).toBe(403);
      expect(await code(res), path).toBe('ORIGIN_NOT_ALLOWED');
    }
    const nullOrigin = await a.request('http://127.0.0.1:8787/v1/models', { headers: { origin: 'null' } });
    expect(nullOrigin.status).toBe(403);
    expect(received).toEqual([]);
  });

  it('refuses no-cors requests from other sites (an <img src> has no Origin but Sec-Fetch-Site), but not a link to the playground', async () => {
    const a = app();
    const image = await a.request('http://127.0.0.1:8787/v1/models', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } });
    expect(image.status).toBe(403);
    expect(await code(image)).toBe('ORIGIN_NOT_ALLOWED');
    const sameSite = await a.request('http://127.0.0.1:8787/v1/models', { headers: { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' } });
    expect(sameSite.status).toBe(403);
    expect(received).toEqual([]);
    const link = await a.request('http://127.0.0.1:8787/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });
    expect(link.status).toBe(200);
    const typed = await a.request('http://127.0.0.1:8787/v1/models', { headers: { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' } });
    expect(typed.status).toBe(200);
  });

  it('takes only application/json on the JSON routes (415 otherwise, charset allowed)', async () => {
    const a = app();
    for (const path of ['/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/compress']) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
        const res = await a.request(`http://127.0.0.1:8787${path}`, {
          method: 'POST',
          headers: type === undefined ? {} : { 'content-type': type },
          body: chat,
        });
        expect(res.status, `${path} ${type}`).toBe(415);
        expect(await code(res)).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
    }
    expect(received).toEqual([]);
    const ok = await a.request('http://127.0.0.1:8787/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: chat,
    });
    expect(ok.status).toBe(200);
    expect(received.at(-1)?.authorization).toBe('Bearer sk-operator');
  });

  it('refuses a foreign Host (DNS rebinding) with or without a matching Origin', async () => {
    const a = app();
    for (const headers of [{}, { origin: 'http://attacker.example:8787' }]) {
      const res = await a.request('http://attacker.example:8787/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: chat,
      });
      expect(res.status).toBe(403);
      expect(await code(res)).toBe('HOST_NOT_ALLOWED');
    }
    expect((await a.request('http://attacker.example:8787/')).status).toBe(403);
    expect(received).toEqual([]);
  });

  it('answers the bound addresses, the configured host and allowedHosts; same-origin pages (the playground) work', async () => {
    const a = app({ host: 'box.lan', allowedHosts: ['ctxpress', '.corp.example'] });
    for (const base of [
      'http://127.0.0.1:8787',
      'http://localhost:8787',
      'http://[::1]:8787',
      'http://box.lan:8787',
      'http://ctxpress:8787',
      'http://api.corp.example',
    ]) {
      const res = await a.request(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: chat });
      expect(res.status, base).toBe(200);
    }
    expect(received).toHaveLength(6);
    expect((await a.request('http://localhost:8787/')).status).toBe(200);
  });

  it('allowedOrigins lets a listed page call, with CORS headers and an answered preflight', async () => {
    const a = app({ allowedOrigins: ['https://app.example.com'], apiKeys: ['k1'] });
    const preflight = await a.request('http://127.0.0.1:8787/v1/compress', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    const res = await a.request('http://127.0.0.1:8787/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example.com', authorization: 'Bearer k1' },
      body: chat,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await a.request('http://127.0.0.1:8787/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://other.example.com', authorization: 'Bearer k1' },
      body: chat,
    });
    expect(other.status).toBe(403);
  });
});

/** A raw HTTP request to a running server with any Host header (fetch cannot set it). */
function rawRequest(
  port: number,
  options: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the running server', () => {
  it('checks the real Host header', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', upstream: upstreamUrl, upstreamApiKey: 'sk-operator', workers: 0 });
    try {
      const headers = { 'content-type': 'application/json' };
      const rebound = await rawRequest(server.port, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { ...headers, host: 'attacker.example' },
        body: chat,
      });
      expect(rebound.status).toBe(403);
      expect(rebound.body).toContain('HOST_NOT_ALLOWED');
      const local = await rawRequest(server.port, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { ...headers, host: `localhost:${server.port}` },
        body: chat,
      });
      expect(local.status).toBe(200);
      expect(received).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('logs and counts a client-aborted upload as 499, not as a 500 server error (issue 9 item 8)', async () => {
    const log: AccessLogEntry[] = [];
    const metrics = new Metrics();
    const server = await startServer({ port: 0, host: '127.0.0.1', upstream: upstreamUrl, workers: 0 }, { log: (entry) => log.push(entry), metrics });
    try {
      for (const path of ['/v1/compress', '/v1/chat/completions']) {
        await new Promise<void>((resolve) => {
          const req = httpRequest({
            host: '127.0.0.1',
            port: server.port,
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', 'content-length': '100000' },
          });
          req.on('error', () => resolve());
          req.write('{"text": "' + 'x'.repeat(1000));
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 50);
        });
      }
      const deadline = Date.now() + 3000;
      while (log.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(log.map((entry) => entry.status)).toEqual([499, 499]);
      const text = metrics.render();
      expect(text.match(/ctxpress_http_requests_total\{[^}]*status="499"[^}]*\} 1/g)).toHaveLength(2);
      expect(text).not.toMatch(/status="500"/);
      expect(text).not.toMatch(/ctxpress_compression_failures_total\{reason="INTERNAL"\}/);
    } finally {
      await server.close();
    }
  });
});
