/**
 * End-to-end tests of the playground page in real headless Chromium (playwright-core driving /usr/bin/chromium) against
 * the real server on 127.0.0.1. One browser for the whole file. Set CTXPRESS_SKIP_BROWSER_TESTS=1 to skip them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server.js';

// The page.evaluate callbacks below run in Chromium. The tests are type-checked with Node's types only (the DOM lib
// clashes with Node's fetch types in the sources), so these are the few browser globals those callbacks use.
declare const navigator: { readonly clipboard: { writeText(text: string): Promise<void>; readText(): Promise<string> } };
declare const window: object;
declare class DataTransfer {
  readonly items: { add(file: File): unknown };
}
interface HTMLInputElement {
  value: string;
  dispatchEvent(event: Event): boolean;
}

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TIMEOUT = 60_000;
const skip = process.env['CTXPRESS_SKIP_BROWSER_TESTS'] === '1';

const ANSWER = 'The replacement pump was delivered on 9 May and restored full pressure to the eastern district.';
const QUERY = 'When was the replacement pump delivered?';
const ARTICLE = [
  '# Eastern district water supply',
  '',
  'The eastern district is served by the Millbrook pump station, which was opened in 1974 and extended twice. It draws from two wells and a reservoir on the hill above the old mill.',
  '',
  'In early April the main pump failed after its bearings overheated. Engineers moved the district to the backup pump, which could only deliver about sixty percent of the usual pressure, and households on the upper streets saw low flow in the mornings.',
  '',
  `The utility ordered a new unit from its usual supplier. ${ANSWER} The old pump was sent back to the factory for inspection.`,
  '',
  'The council also discussed the colour of the new fence around the reservoir, the schedule of the autumn street cleaning, and a proposal to plant trees along the canal path.',
  '',
  'Next year the station will get a second backup pump and remote monitoring of bearing temperatures, so that a similar failure can be spotted days in advance.',
].join('\n');

const LONG = (topic: string): string =>
  `Here is a detailed note about ${topic}. ` +
  Array.from(
    { length: 8 },
    (_, i) => `Point ${i + 1} about ${topic}: the team reviewed the numbers again and agreed to revisit the plan after the next inspection.`,
  ).join(' ');
const CHAT = [
  { role: 'system', content: 'You are a maintenance assistant for a city water utility.' },
  { role: 'user', content: 'Summarise the pump station history.' },
  { role: 'assistant', content: LONG('the pump station history') },
  { role: 'user', content: 'And the budget for last year?' },
  { role: 'assistant', content: LONG('last year budget') },
  { role: 'user', content: 'What did the inspectors say?' },
  { role: 'assistant', content: LONG('the inspection report') },
  { role: 'user', content: 'Thanks. Who is on call this week?' },
  { role: 'assistant', content: 'Dana is on call this week.' },
  { role: 'user', content: 'Is the eastern district back to full pressure?' },
  { role: 'assistant', content: 'Yes, since the new pump arrived.' },
  { role: 'user', content: 'When did the replacement pump arrive?' },
];

interface TextResult {
  text: string;
  tokens: { original: number; compressed: number; budget: number };
  ratio: number;
  kept: [number, number, number][];
}

describe.skipIf(skip)('playground page in headless Chromium', () => {
  let server: RunningServer | undefined;
  let keyed: RunningServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let shots: string | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CTXPRESS_SKIP_BROWSER_TESTS=1 to skip the browser tests).`,
      );
    }
    server = await startServer({ host: '127.0.0.1', port: 0, workers: 0 });
    keyed = await startServer({ host: '127.0.0.1', port: 0, workers: 0, apiKeys: ['pg-test-key'] });
    // Playwright gives the browser a fresh temporary profile (--user-data-dir) and removes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: TIMEOUT });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    shots = mkdtempSync(join(tmpdir(), 'ctxpress-playground-'));
  }, TIMEOUT);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await keyed?.close();
    if (shots !== undefined && process.env['CTXPRESS_KEEP_SCREENSHOTS'] !== '1') rmSync(shots, { recursive: true, force: true });
  }, TIMEOUT);

  async function open(url: string): Promise<Page> {
    const page = await context!.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    (page as Page & { problems?: string[] }).problems = problems;
    const response = await page.goto(`${url}/`);
    expect(response?.status()).toBe(200);
    return page;
  }
  /** Script errors and console errors (CSP violations included), but not the failed loads of the API errors a test asks for. */
  const problemsOf = (page: Page): string[] =>
    ((page as Page & { problems?: string[] }).problems ?? []).filter(
      (problem) => !/^Failed to load resource: the server responded with a status of 40[01]\b/.test(problem),
    );

  async function api(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${url}/v1/compress`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  }

  const statOf = (page: Page, id: string): Promise<string | null> => page.getByTestId(id).getAttribute('data-value');
  /** A numeric stat; fails the test when it is missing or not a number (`Number(null)` would be 0). */
  const numericStat = async (page: Page, id: string): Promise<number> => {
    const value = await statOf(page, id);
    expect(value, id).toMatch(/^\d+(\.\d+)?$/);
    return Number(value);
  };

  it(
    'compresses pasted text live and shows what was kept, the counts, both views, and copies the result',
    async () => {
      const page = await open(server!.url);
      await expect.poll(() => page.getByTestId('status').textContent()).toBe('Waiting for input');

      // Paste the article (through the clipboard, as a user would), type a question, slide the budget to 3×.
      await page.evaluate((text) => navigator.clipboard.writeText(text), ARTICLE);
      await page.getByTestId('input').focus();
      await page.keyboard.press('ControlOrMeta+V');
      expect(await page.getByTestId('input').inputValue()).toBe(ARTICLE);
      await page.getByTestId('query').pressSequentially(QUERY, { delay: 5 });
      const sent: unknown[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/v1/compress')) sent.push(request.postDataJSON());
      });
      await page.getByTestId('ratio').focus();
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      expect(await page.getByTestId('ratio-value').textContent()).toBe('3×');

      const body = { text: ARTICLE, query: QUERY, budget: { ratio: 3 }, tokenizer: 'o200k_base' };
      const { status, json } = await api(server!.url, body);
      expect(status).toBe(200);
      const expected = json as TextResult;
      await expect.poll(() => statOf(page, 'tokens-compressed'), { timeout: 30_000 }).toBe(String(expected.tokens.compressed));
      await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/^Updated in \d+ ms \(compression \d+\.\d ms\)$/);
      expect(sent.at(-1)).toEqual(body); // the page sent exactly this request
      expect(await statOf(page, 'tokens-original')).toBe(String(expected.tokens.original));
      expect(await statOf(page, 'tokens-budget')).toBe(String(expected.tokens.budget));
      expect(await page.getByTestId('tokens-original').textContent()).toBe(expected.tokens.original.toLocaleString('en-US'));
      expect(await page.getByTestId('ratio-achieved').textContent()).toBe(`${expected.ratio.toFixed(2)}×`);
      expect(await numericStat(page, 'time')).toBeGreaterThanOrEqual(0);
      expect(await page.getByTestId('error').isHidden()).toBe(true);

      // The answer sentence is highlighted as kept; other text is marked dropped.
      const kept = (await page.locator('[data-testid="annotated"] mark.kept').allTextContents()).join('');
      expect(kept).toContain(ANSWER);
      const dropped = await page.locator('[data-testid="annotated"] del.dropped').allTextContents();
      expect(dropped.length).toBeGreaterThan(0);
      expect(dropped.join('')).toContain('colour of the new fence');
      // The annotated view shows the whole original, character for character.
      expect(await page.getByTestId('annotated').textContent()).toBe(ARTICLE);

      // Side by side: the annotated original next to the compressed output.
      expect(await page.getByTestId('output').isVisible()).toBe(false);
      await page.getByTestId('view-side-by-side').click();
      expect(await page.getByTestId('view-side-by-side').getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('output').isVisible()).toBe(true);
      expect(await page.getByTestId('annotated').isVisible()).toBe(true);
      expect(await page.getByTestId('output').textContent()).toBe(expected.text);
      const [left, right] = await Promise.all([page.getByTestId('annotated').boundingBox(), page.getByTestId('output').boundingBox()]);
      expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);

      // Copy.
      await page.evaluate(() => navigator.clipboard.writeText(''));
      await page.getByTestId('copy').click();
      await expect.poll(() => page.getByTestId('copy-status').textContent()).toMatch(/^Copied/);
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(expected.text);
      // Without the async clipboard API the page copies through a hidden textarea (execCommand).
      await page.evaluate(() => {
        const clipboard = navigator.clipboard;
        (window as unknown as { readClipboard: () => Promise<string> }).readClipboard = () => clipboard.readText();
        void clipboard.writeText('');
        Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
      });
      await page.getByTestId('copy-status').evaluate((node) => (node.textContent = ''));
      await page.getByTestId('copy').click();
      await expect.poll(() => page.getByTestId('copy-status').textContent()).toMatch(/^Copied/);
      expect(await page.evaluate(() => (window as unknown as { readClipboard: () => Promise<string> }).readClipboard())).toBe(expected.text);
      expect(await page.locator('[data-testid="copy-fallback"]').count()).toBe(0);

      const file = join(shots!, 'playground-text.png');
      await page.screenshot({ path: file, fullPage: true });
      const png = readFileSync(file);
      expect(png.length).toBeGreaterThan(10_000);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    'shows API errors in the error area and clears them on the next good result',
    async () => {
      const page = await open(server!.url);
      await page.getByTestId('input').fill(ARTICLE);
      await page.getByTestId('budget-mode-tokens').check();
      await page.getByTestId('tokens').fill('0');
      const error = page.getByTestId('error');
      await error.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await error.textContent()).toContain('INVALID_BUDGET');
      expect(await error.getAttribute('role')).toBe('alert');

      await page.getByTestId('tokens').fill('40');
      await error.waitFor({ state: 'hidden', timeout: 30_000 });
      await expect.poll(() => statOf(page, 'tokens-budget')).toBe('40');
      expect(await numericStat(page, 'tokens-compressed')).toBeLessThanOrEqual(40);

      // Invalid JSON for an explicit documents input is reported without a request.
      await page.getByTestId('kind').selectOption('documents');
      await error.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await error.textContent()).toContain('INVALID_JSON');
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    'detects a chat and shows the decision for every message',
    async () => {
      const page = await open(server!.url);
      await page.getByTestId('input').fill(JSON.stringify(CHAT, null, 2));
      // At 4× the last 4 turns do not fit whole: they are compressed like the rest (no error since ADR 0014).
      const error = page.getByTestId('error');
      const at4 = await api(server!.url, { messages: CHAT, budget: { ratio: 4 }, tokenizer: 'o200k_base' });
      expect(at4.status).toBe(200);
      const expected = at4.json as { tokens: TextResult['tokens']; decisions: { index: number; fidelity: string }[]; messages: unknown[] };
      await expect.poll(() => statOf(page, 'tokens-compressed'), { timeout: 30_000 }).toBe(String(expected.tokens.compressed));
      expect(await page.getByTestId('detected').textContent()).toBe('detected: chat');
      expect(await error.isVisible()).toBe(false);
      const cards = page.locator('[data-testid="message"]');
      expect(await cards.count()).toBe(CHAT.length);
      const shown = await cards.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-fidelity')));
      expect(shown).toEqual(expected.decisions.map((decision) => decision.fidelity));
      expect(shown).toContain('pinned');
      expect(shown).toContain('dropped');
      // A dropped message is struck through; the pinned question highlighted.
      const dropped = shown.indexOf('dropped');
      expect(await cards.nth(dropped).locator('del.dropped').textContent()).toBe(CHAT[dropped]!.content);
      expect(await cards.nth(11).locator('mark.kept').textContent()).toBe(CHAT[11]!.content);
      await page.getByTestId('view-output').click();
      expect(JSON.parse((await page.getByTestId('output').textContent()) ?? '')).toEqual(expected.messages);

      // The keep-last-turns field is sent as keepLastTurns.
      expect(await page.getByTestId('keep-turns').isVisible()).toBe(true);
      expect(await page.getByTestId('language').isVisible()).toBe(false);
      await page.getByTestId('keep-turns').fill('1');
      await page.getByTestId('ratio').evaluate((input: HTMLInputElement) => {
        input.value = '2';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      const fewer = await api(server!.url, { messages: CHAT, budget: { ratio: 2 }, tokenizer: 'o200k_base', keepLastTurns: 1 });
      expect(fewer.status).toBe(200);
      const fewerTokens = (fewer.json as { tokens: TextResult['tokens'] }).tokens;
      await expect.poll(() => statOf(page, 'tokens-compressed'), { timeout: 30_000 }).toBe(String(fewerTokens.compressed));
      expect(await error.isVisible()).toBe(false);

      const file = join(shots!, 'playground-chat.png');
      await page.getByTestId('view-annotated').click();
      await page.screenshot({ path: file, fullPage: true });
      expect(readFileSync(file).length).toBeGreaterThan(10_000);
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    'accepts a dropped code file',
    async () => {
      const page = await open(server!.url);
      const source = [
        'import os',
        '',
        'def read_config(path):',
        '    with open(path) as handle:',
        '        return handle.read()',
        '',
        'def pressure_alarm(reading, limit):',
        '    if reading < limit:',
        '        return "low pressure"',
        '    return "ok"',
        '',
      ].join('\n');
      const transfer = await page.evaluateHandle((text) => {
        const data = new DataTransfer();
        data.items.add(new File([text], 'station.py', { type: 'text/x-python' }));
        return data;
      }, source);
      await page.getByTestId('query').fill('pressure alarm');
      await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: transfer });
      await expect.poll(() => page.getByTestId('input').inputValue()).toBe(source);
      expect(await page.getByTestId('file-name').textContent()).toBe('station.py');
      expect(await page.getByTestId('detected').textContent()).toBe('detected: code');
      const { json } = await api(server!.url, {
        code: [{ path: 'station.py', text: source }],
        query: 'pressure alarm',
        budget: { ratio: 4 },
        tokenizer: 'o200k_base',
      });
      const expected = json as { text: string; tokens: TextResult['tokens'] };
      await expect.poll(() => statOf(page, 'tokens-compressed'), { timeout: 30_000 }).toBe(String(expected.tokens.compressed));
      expect(await page.getByTestId('annotated').textContent()).toContain('Language: python');
      expect(await page.getByTestId('output').textContent()).toBe(expected.text);
      expect(await page.getByTestId('language').isVisible()).toBe(true);

      // Pasted code has no file name: the language picker names it.
      await page.getByTestId('input').fill('');
      await page.getByTestId('kind').selectOption('code');
      await page.getByTestId('input').fill(source);
      await page.getByTestId('language').selectOption('python');
      await expect.poll(() => page.getByTestId('annotated').textContent(), { timeout: 30_000 }).toContain('Language: python');
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    'offers an API-key field when the server requires a key, and sends it',
    async () => {
      const page = await open(keyed!.url);
      expect(await page.getByTestId('api-key-area').isVisible()).toBe(true);
      await page.getByTestId('input').fill(ARTICLE);
      const error = page.getByTestId('error');
      await error.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await error.textContent()).toContain('UNAUTHORIZED');
      await page.getByLabel('API key').fill('pg-test-key');
      await error.waitFor({ state: 'hidden', timeout: 30_000 });
      await expect.poll(() => statOf(page, 'tokens-original'), { timeout: 30_000 }).toMatch(/^\d+$/);
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );
});
