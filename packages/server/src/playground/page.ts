/**
 * The playground at `GET /`: one self-contained HTML page (inline CSS and JS, no external URL, works offline) that calls
 * `POST /v1/compress` and shows what was kept and dropped. The inline script and style are allowed by their SHA-256
 * hashes in a strict Content-Security-Policy.
 * @module
 */
import { createHash } from 'node:crypto';
import { PARSED_LANGUAGES } from '@ctxpress/core';
import { PLAYGROUND_JS } from './script.js';
import { PLAYGROUND_CSS } from './styles.js';

export interface PlaygroundOptions {
  /** The server requires an API key on /v1/compress: the page shows the key field from the start. */
  readonly apiKeyRequired?: boolean;
}

/** Tokenizer and model names offered by the picker (the server accepts these and more model names). */
export const PLAYGROUND_TOKENIZERS = {
  encodings: ['o200k_base', 'cl100k_base', 'llama3', 'qwen3'],
  models: ['gpt-4o', 'gpt-4.1', 'gpt-5', 'o3', 'gpt-4', 'gpt-3.5-turbo', 'llama-3.1-8b', 'qwen2.5-7b'],
} as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function options(names: readonly string[]): string {
  return names.map((name) => `<option value="${escapeHtml(name)}">${escapeHtml(name)}</option>`).join('');
}

/** The page's HTML. */
export function playgroundHtml(settings: PlaygroundOptions = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>ctxpress playground</title>
<link rel="icon" href="data:,">
<style>${PLAYGROUND_CSS}</style>
</head>
<body data-requires-key="${settings.apiKeyRequired === true ? 'true' : 'false'}">
<header class="bar">
  <h1>ctxpress <span>playground</span></h1>
  <div class="key" id="key-area" data-testid="api-key-area" hidden>
    <label for="api-key">API key</label>
    <input id="api-key" type="password" autocomplete="off" spellcheck="false" placeholder="sent as a Bearer token" data-testid="api-key">
  </div>
  <span id="status" class="status" role="status" aria-live="polite" data-testid="status"></span>
</header>
<main class="panes">
  <section class="pane" aria-labelledby="input-title">
    <h2 id="input-title">Context</h2>
    <div class="row">
      <label for="kind">Input</label>
      <select id="kind" data-testid="kind">
        <option value="auto" selected>Auto-detect</option>
        <option value="text">Text / Markdown</option>
        <option value="documents">Documents (JSON array)</option>
        <option value="chat">Chat (JSON messages)</option>
        <option value="code">Code</option>
        <option value="json">JSON data</option>
        <option value="logs">Logs</option>
      </select>
      <span class="grow"></span>
      <button type="button" id="open-file" data-testid="open-file">Open file…</button>
      <input type="file" id="file" hidden aria-label="File to compress">
      <button type="button" id="example" data-testid="example">Example</button>
    </div>
    <div class="drop" id="drop" data-testid="drop-zone">
      <label for="input" class="sr-only">Context to compress (paste, type or drop a file)</label>
      <textarea id="input" data-testid="input" spellcheck="false" placeholder="Paste text, Markdown, code, logs, a JSON array of documents [{&quot;title&quot;: …, &quot;text&quot;: …}] or chat messages [{&quot;role&quot;: …, &quot;content&quot;: …}] — or drop a file here."></textarea>
    </div>
    <div class="hint row"><span id="detected" data-testid="detected"></span><span id="file-name" data-testid="file-name"></span></div>
    <div class="field">
      <label for="query">Query</label>
      <input id="query" type="text" data-testid="query" placeholder="Optional: the question the context should answer">
    </div>
    <div class="field" id="turns-row" hidden>
      <label for="keep-turns">Keep last turns</label>
      <input id="keep-turns" type="number" min="0" step="1" value="4" data-testid="keep-turns">
      <span class="hint">the system prompt and the last N user turns are never cut</span>
    </div>
    <div class="field" id="language-row" hidden>
      <label for="language">Language</label>
      <select id="language" data-testid="language">
        <option value="">from the file name</option>${options(PARSED_LANGUAGES)}
      </select>
    </div>
    <div class="field">
      <label for="tokenizer">Tokenizer</label>
      <select id="tokenizer" data-testid="tokenizer">
        <optgroup label="Tokenizers">${options(PLAYGROUND_TOKENIZERS.encodings)}</optgroup>
        <optgroup label="Models">${options(PLAYGROUND_TOKENIZERS.models)}</optgroup>
      </select>
    </div>
    <fieldset>
      <legend>Budget</legend>
      <div class="seg">
        <label><input type="radio" name="budget-mode" value="ratio" checked data-testid="budget-mode-ratio"> Ratio</label>
        <label><input type="radio" name="budget-mode" value="tokens" data-testid="budget-mode-tokens"> Token count</label>
      </div>
      <div class="row" id="ratio-row">
        <label for="ratio" class="sr-only">Compression ratio</label>
        <span class="hint">1×</span>
        <input id="ratio" type="range" min="1" max="20" step="0.5" value="4" data-testid="ratio">
        <span class="hint">20×</span>
        <output id="ratio-value" for="ratio" data-testid="ratio-value">4×</output>
      </div>
      <div class="row" id="tokens-row" hidden>
        <label for="tokens">Tokens</label>
        <input id="tokens" type="number" min="1" step="1" value="500" data-testid="tokens">
        <span class="hint">at most this many tokens in the output</span>
      </div>
    </fieldset>
  </section>
  <section class="pane" id="result" aria-labelledby="result-title" data-testid="result">
    <div class="result-head">
      <h2 id="result-title">Result</h2>
      <div class="group" role="group" aria-label="View">
        <button type="button" id="view-annotated" aria-pressed="true" data-testid="view-annotated">Annotated</button>
        <button type="button" id="view-output" aria-pressed="false" data-testid="view-output">Compressed</button>
        <button type="button" id="view-side" aria-pressed="false" data-testid="view-side-by-side">Side by side</button>
      </div>
      <button type="button" id="copy" class="primary" data-testid="copy" disabled>Copy compressed text</button>
    </div>
    <dl class="stats" data-testid="stats">
      <div><dt>Original</dt><dd id="tokens-original" data-testid="tokens-original">–</dd></div>
      <div><dt>Compressed</dt><dd id="tokens-compressed" data-testid="tokens-compressed">–</dd></div>
      <div><dt>Budget</dt><dd id="tokens-budget" data-testid="tokens-budget">–</dd></div>
      <div><dt>Ratio</dt><dd id="ratio-achieved" data-testid="ratio-achieved">–</dd></div>
      <div><dt>Time</dt><dd id="time" data-testid="time">–</dd></div>
    </dl>
    <div id="error" class="error" role="alert" data-testid="error" hidden></div>
    <div class="legend">
      <span aria-hidden="true"><mark class="kept swatch">kept</mark></span>
      <span aria-hidden="true"><del class="dropped swatch">dropped</del></span>
      <span id="copy-status" data-testid="copy-status" role="status" aria-live="polite"></span>
    </div>
    <div class="views-body" id="views-body">
      <div class="col" id="annotated-col">
        <h3>Original, annotated</h3>
        <div class="scroll" id="annotated" data-testid="annotated" tabindex="0" aria-label="Original with kept and dropped text"></div>
      </div>
      <div class="col" id="output-col" hidden>
        <h3>Compressed output</h3>
        <div class="scroll"><pre class="output" id="output" data-testid="output" tabindex="0" aria-label="Compressed output"></pre></div>
      </div>
    </div>
  </section>
</main>
<script>${PLAYGROUND_JS}</script>
</body>
</html>
`;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The Content-Security-Policy of the page: same origin only, and just this page's inline script and style. */
export function playgroundCsp(): string {
  return [
    "default-src 'self'",
    `script-src ${sha256(PLAYGROUND_JS)}`,
    `style-src ${sha256(PLAYGROUND_CSS)}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A handler for `GET /` (Hono answers `HEAD` with it too): the page, built once, with its security headers. */
export function playgroundHandler(settings: PlaygroundOptions = {}): () => Response {
  let html: string | undefined;
  let csp: string | undefined;
  return () => {
    html ??= playgroundHtml(settings);
    csp ??= playgroundCsp();
    return new Response(html, {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': csp,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      },
    });
  };
}
