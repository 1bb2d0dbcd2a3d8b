/**
 * The playground's browser script (inlined in the page; allowed by its hash in the Content-Security-Policy).
 *
 * Plain ES2017 in a string, so it is not type-checked: keep it small; playground.browser.test.ts exercises it. It builds
 * every node with createElement/textContent (never innerHTML), so pasted text is never interpreted as markup.
 * It must contain no backtick and no dollar-brace (it lives in a String.raw template).
 * @module
 */

export const PLAYGROUND_JS = String.raw`
(function () {
  'use strict';
  var byId = function (id) { return document.getElementById(id); };
  var els = {
    input: byId('input'), kind: byId('kind'), detected: byId('detected'), query: byId('query'), tokenizer: byId('tokenizer'),
    ratio: byId('ratio'), ratioValue: byId('ratio-value'), tokens: byId('tokens'), ratioRow: byId('ratio-row'), tokensRow: byId('tokens-row'),
    keyArea: byId('key-area'), key: byId('api-key'), status: byId('status'), error: byId('error'), result: byId('result'),
    original: byId('tokens-original'), compressed: byId('tokens-compressed'), budget: byId('tokens-budget'), achieved: byId('ratio-achieved'),
    time: byId('time'), annotated: byId('annotated'), output: byId('output'), annotatedCol: byId('annotated-col'), outputCol: byId('output-col'),
    viewsBody: byId('views-body'), copy: byId('copy'), copyStatus: byId('copy-status'), drop: byId('drop'), file: byId('file'),
    openFile: byId('open-file'), example: byId('example'), fileName: byId('file-name'),
    keepTurns: byId('keep-turns'), turnsRow: byId('turns-row'), language: byId('language'), languageRow: byId('language-row')
  };
  var state = { timer: 0, controller: null, seq: 0, copyText: '', fileName: '', view: 'annotated' };
  var CODE_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|py|go|rs|java|kt|kts|c|h|cc|cpp|cxx|hpp|cs|rb|php|swift|scala|sh|bash|lua|sql)$/i;
  var KIND_LABEL = { text: 'text', documents: 'documents', chat: 'chat', code: 'code', json: 'JSON', logs: 'logs' };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function isObject(value) { return typeof value === 'object' && value !== null && !Array.isArray(value); }
  function parseJson(text) {
    try { return { ok: true, value: JSON.parse(text) }; } catch (error) { return { ok: false, message: error && error.message ? error.message : 'not JSON' }; }
  }
  function fmt(n) { return typeof n === 'number' && isFinite(n) ? n.toLocaleString('en-US') : '–'; }
  function budgetMode() { var checked = document.querySelector('input[name="budget-mode"]:checked'); return checked ? checked.value : 'ratio'; }

  /** What the input is: the selector, or for "auto": chat / documents from JSON, code from a dropped file's name, else text. */
  function detect(text) {
    var chosen = els.kind.value;
    if (chosen !== 'auto') return chosen;
    var trimmed = text.trim();
    if (trimmed.charAt(0) === '[' || trimmed.charAt(0) === '{') {
      var parsed = parseJson(trimmed);
      if (parsed.ok) {
        var value = parsed.value;
        if (isObject(value) && Array.isArray(value.messages)) return 'chat';
        if (Array.isArray(value) && value.length > 0 && value.every(isObject)) {
          if (value.every(function (m) { return typeof m.role === 'string'; })) return 'chat';
          if (value.every(function (d) { return typeof d.text === 'string'; })) return 'documents';
        }
      }
    }
    if (state.fileName && CODE_FILE.test(state.fileName)) return 'code';
    return 'text';
  }

  function clientError(message) { var error = new Error(message); error.code = 'INVALID_INPUT'; return error; }

  /** The POST /v1/compress body for the current controls. */
  function buildRequest(text, kind) {
    var body = {};
    if (kind === 'chat' || kind === 'documents') {
      var parsed = parseJson(text);
      if (!parsed.ok) { var bad = clientError('the ' + kind + ' input must be JSON: ' + parsed.message); bad.code = 'INVALID_JSON'; throw bad; }
      var value = parsed.value;
      if (kind === 'chat' && isObject(value) && Array.isArray(value.messages)) {
        body.messages = value.messages;
        if (typeof value.system === 'string') body.system = value.system;
      } else if (Array.isArray(value)) {
        if (kind === 'chat') body.messages = value; else body.documents = value;
      } else {
        throw clientError(kind === 'chat' ? 'chat input must be a JSON array of messages (or an object with "messages").' : 'documents must be a JSON array of { title?, text }.');
      }
    } else if (kind === 'code') {
      var file = { path: state.fileName || 'snippet', text: text };
      if (els.language.value) file.language = els.language.value;
      body.code = [file];
    } else {
      body.text = text;
      if (kind === 'json' || kind === 'logs') body.format = kind;
    }
    var query = els.query.value.trim();
    if (query) body.query = query;
    body.budget = budgetMode() === 'tokens' ? { tokens: Number(els.tokens.value) } : { ratio: Number(els.ratio.value) };
    body.tokenizer = els.tokenizer.value;
    var turns = Number(els.keepTurns.value);
    if (kind === 'chat' && els.keepTurns.value !== '' && Math.floor(turns) === turns && turns >= 0) body.keepLastTurns = turns;
    return body;
  }

  function setStatus(text, busy) {
    els.status.textContent = text;
    els.status.classList.toggle('busy', !!busy);
  }
  function showError(code, message) {
    clear(els.error);
    els.error.appendChild(el('strong', '', code));
    els.error.appendChild(document.createTextNode(message));
    els.error.hidden = false;
    els.result.classList.add('stale');
  }
  function hideError() { els.error.hidden = true; clear(els.error); els.result.classList.remove('stale'); }
  function setStat(node, value, text) {
    node.setAttribute('data-value', value === undefined || value === null ? '' : String(value));
    node.textContent = text;
  }
  function resetResult() {
    [els.original, els.compressed, els.budget, els.achieved, els.time].forEach(function (node) { setStat(node, '', '–'); });
    clear(els.annotated);
    els.annotated.appendChild(el('p', 'placeholder', 'Paste or drop a context on the left (or load the example) to see what is kept.'));
    els.output.textContent = '';
    state.copyText = '';
    els.copy.disabled = true;
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(run, 250);
  }

  function run() {
    if (state.controller) state.controller.abort();
    state.controller = null;
    var seq = ++state.seq;
    var text = els.input.value;
    if (!text.trim()) {
      els.detected.textContent = '';
      els.kind.options[0].textContent = 'Auto-detect';
      hideError();
      resetResult();
      setStatus('Waiting for input', false);
      return;
    }
    var kind = detect(text);
    els.detected.textContent = els.kind.value === 'auto' ? 'detected: ' + KIND_LABEL[kind] : '';
    els.kind.options[0].textContent = els.kind.value === 'auto' ? 'Auto-detect (' + KIND_LABEL[kind] + ')' : 'Auto-detect';
    els.turnsRow.hidden = kind !== 'chat';
    els.languageRow.hidden = kind !== 'code';
    var body;
    try {
      body = buildRequest(text, kind);
    } catch (error) {
      showError(error.code || 'INVALID_INPUT', error.message);
      setStatus('Invalid input', false);
      return;
    }
    var controller = new AbortController();
    state.controller = controller;
    var headers = { 'content-type': 'application/json' };
    var key = els.key.value.trim();
    if (key) headers.authorization = 'Bearer ' + key;
    setStatus('Compressing…', true);
    var started = performance.now();
    fetch('v1/compress', { method: 'POST', headers: headers, body: JSON.stringify(body), signal: controller.signal })
      .then(function (response) {
        return response.text().then(function (raw) { return { response: response, raw: raw }; });
      })
      .then(function (reply) {
        if (seq !== state.seq) return;
        var elapsed = performance.now() - started;
        var data = parseJson(reply.raw);
        var payload = data.ok ? data.value : null;
        if (!reply.response.ok) {
          var error = payload && payload.error ? payload.error : { code: 'HTTP_' + reply.response.status, message: reply.raw.slice(0, 300) };
          if (reply.response.status === 401) els.keyArea.hidden = false;
          showError(String(error.code), String(error.message));
          setStatus('Failed (' + reply.response.status + ')', false);
          return;
        }
        if (!payload || !payload.tokens) { showError('BAD_RESPONSE', 'the server sent an unexpected response.'); setStatus('Failed', false); return; }
        hideError();
        render(kind, body, payload, elapsed);
        var total = payload.timings && typeof payload.timings.total === 'number' ? payload.timings.total : null;
        setStatus('Updated in ' + Math.round(elapsed) + ' ms' + (total === null ? '' : ' (compression ' + total.toFixed(1) + ' ms)'), false);
      })
      .catch(function (error) {
        if (error && error.name === 'AbortError') return;
        if (seq !== state.seq) return;
        showError('NETWORK', 'could not reach the server (' + (error && error.message ? error.message : String(error)) + ').');
        setStatus('Failed', false);
      })
      .finally(function () { if (state.controller === controller) state.controller = null; });
  }

  /** Appends text with [start, end) spans wrapped: kept in mark, dropped in del, skeleton in span; gaps as plain text. */
  function annotate(container, text, spans) {
    var sorted = spans.slice().sort(function (a, b) { return a.start - b.start || a.end - b.end; });
    var pos = 0;
    sorted.forEach(function (span) {
      var start = Math.max(span.start, pos);
      var end = Math.min(span.end, text.length);
      if (end <= start) return;
      if (start > pos) container.appendChild(document.createTextNode(text.slice(pos, start)));
      var tag = span.cls === 'kept' ? 'mark' : span.cls === 'dropped' ? 'del' : 'span';
      var node = el(tag, span.cls, text.slice(start, end));
      node.setAttribute('data-testid', span.cls);
      container.appendChild(node);
      pos = end;
    });
    if (pos < text.length) container.appendChild(document.createTextNode(text.slice(pos)));
  }
  /** Spans come as [sourceIndex, start, end] (the service's compact shape) or { sourceId, start, end } (shape: full). */
  function tagged(spans, cls) {
    return (spans || []).map(function (s) { return Array.isArray(s) ? { start: s[1], end: s[2], cls: cls } : { start: s.start, end: s.end, cls: cls }; });
  }
  function ofSource(spans, index, id) {
    return (spans || []).filter(function (s) { return Array.isArray(s) ? s[0] === index : s.sourceId === id; });
  }
  /** Spans of text not covered by any of the given ones (white space alone stays plain). */
  function complement(text, spans, cls) {
    var sorted = spans.slice().sort(function (a, b) { return a.start - b.start; });
    var out = [];
    var pos = 0;
    var push = function (start, end) { if (end > start && text.slice(start, end).trim()) out.push({ start: start, end: end, cls: cls }); };
    sorted.forEach(function (s) { push(pos, s.start); pos = Math.max(pos, s.end); });
    push(pos, text.length);
    return out;
  }
  function docText(node, text, spans) {
    var pre = el('pre', 'doc-text');
    annotate(pre, text, spans);
    node.appendChild(pre);
    return pre;
  }
  function card(title, meta, extraClass) {
    var box = el('section', 'card' + (extraClass ? ' ' + extraClass : ''));
    var head = el('div', 'card-head');
    if (Array.isArray(title)) title.forEach(function (part) { head.appendChild(part); }); else head.appendChild(el('span', 'title', title));
    if (meta) head.appendChild(el('span', 'meta', meta));
    box.appendChild(head);
    var inner = el('div', 'card-body');
    box.appendChild(inner);
    return { box: box, body: inner };
  }

  function partText(part) {
    if (typeof part === 'string') return part;
    if (!isObject(part)) return '';
    if (typeof part.text === 'string') return part.text;
    if (typeof part.content === 'string') return part.content;
    if (Array.isArray(part.content)) return part.content.map(partText).join('\n');
    if (part.type === 'tool_use' || part.type === 'tool-call') return '[tool call ' + (part.name || part.toolName || '') + '] ' + JSON.stringify(part.input || part.args || {});
    if (part.type === 'tool-result') return JSON.stringify(part.output !== undefined ? part.output : part.result);
    return JSON.stringify(part);
  }
  function messageText(message) {
    if (!isObject(message)) return JSON.stringify(message);
    var content = message.content;
    var text = typeof content === 'string' ? content : Array.isArray(content) ? content.map(partText).join('\n') : content === undefined || content === null ? '' : JSON.stringify(content);
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls.forEach(function (call) {
        var fn = call && call.function ? call.function : {};
        text += (text ? '\n' : '') + '[tool call ' + (fn.name || '') + '] ' + (fn.arguments || '');
      });
    }
    return text;
  }

  function renderChat(body, data) {
    var messages = body.messages;
    var decisions = Array.isArray(data.decisions) ? data.decisions : [];
    var kept = decisions.filter(function (d) { return d.fidelity !== 'dropped'; }).length;
    var outputs = Array.isArray(data.messages) && data.messages.length === kept ? data.messages : null;
    var next = 0;
    if (typeof body.system === 'string') {
      var sys = card('system (top level)', 'pinned', 'message');
      docText(sys.body, body.system, [{ start: 0, end: body.system.length, cls: 'kept' }]);
      els.annotated.appendChild(sys.box);
    }
    decisions.forEach(function (decision) {
      var original = messageText(messages[decision.index]);
      var fidelity = String(decision.fidelity);
      var role = el('span', 'badge role', decision.role);
      var badge = el('span', 'badge fid-' + fidelity, fidelity);
      badge.setAttribute('data-testid', 'fidelity');
      var c = card([el('span', 'title', '#' + (decision.index + 1)), role, badge], fmt(decision.tokensBefore) + ' → ' + fmt(decision.tokensAfter) + ' tokens', 'message');
      c.box.setAttribute('data-testid', 'message');
      c.box.setAttribute('data-fidelity', fidelity);
      var after = fidelity === 'dropped' ? null : outputs ? outputs[next++] : null;
      if (fidelity === 'pinned' || fidelity === 'full') {
        docText(c.body, original, [{ start: 0, end: original.length, cls: 'kept' }]);
      } else if (fidelity === 'compressed' && after) {
        docText(c.body, original, []);
        var block = el('div', 'after');
        block.appendChild(el('div', 'after-label', 'kept'));
        var afterText = messageText(after);
        docText(block, afterText, [{ start: 0, end: afterText.length, cls: 'kept' }]);
        c.body.appendChild(block);
      } else {
        docText(c.body, original, [{ start: 0, end: original.length, cls: 'dropped' }]);
        if (after) {
          var stub = el('div', 'after');
          stub.appendChild(el('div', 'after-label', 'replaced by'));
          docText(stub, messageText(after), []);
          c.body.appendChild(stub);
        }
      }
      els.annotated.appendChild(c.box);
    });
    return JSON.stringify(data.messages, null, 2);
  }

  function renderDocuments(body, data) {
    var sources = Array.isArray(data.sources) ? data.sources : [];
    body.documents.forEach(function (doc, index) {
      var source = sources[index] || { id: String(index) };
      var title = isObject(doc) && typeof doc.title === 'string' ? doc.title : '';
      var text = isObject(doc) && typeof doc.text === 'string' ? doc.text : '';
      var full = title ? title + '\n' + text : text;
      var spans = tagged(ofSource(data.kept, index, source.id), 'kept').concat(tagged(ofSource(data.dropped, index, source.id), 'dropped'));
      var keptChars = spans.reduce(function (sum, s) { return sum + (s.cls === 'kept' ? s.end - s.start : 0); }, 0);
      var c = card('Document ' + (index + 1) + (title ? ' · ' + title : '') + (source.id !== String(index) ? ' (id ' + source.id + ')' : ''),
        Math.round((100 * keptChars) / Math.max(1, full.length)) + '% of characters kept', 'document');
      c.box.setAttribute('data-testid', 'document');
      docText(c.body, full, spans);
      els.annotated.appendChild(c.box);
    });
    return data.text;
  }

  function render(kind, body, data, elapsed) {
    var tokens = data.tokens;
    setStat(els.original, tokens.original, fmt(tokens.original));
    setStat(els.compressed, tokens.compressed, fmt(tokens.compressed));
    setStat(els.budget, tokens.budget, fmt(tokens.budget));
    var ratio = typeof data.ratio === 'number' ? data.ratio : tokens.compressed === 0 && tokens.original > 0 ? Infinity : null;
    setStat(els.achieved, ratio, ratio === Infinity ? '∞' : ratio === null ? '–' : ratio.toFixed(2) + '×');
    var server = data.timings && typeof data.timings.total === 'number' ? data.timings.total : null;
    setStat(els.time, Math.round(elapsed), Math.round(elapsed) + ' ms');
    els.time.title = server === null ? 'round trip, measured in the browser' : 'round trip ' + Math.round(elapsed) + ' ms; compression on the server ' + server.toFixed(1) + ' ms';
    clear(els.annotated);
    var copy = typeof data.text === 'string' ? data.text : '';
    if (kind === 'chat') {
      copy = renderChat(body, data);
    } else if (kind === 'documents') {
      copy = renderDocuments(body, data);
    } else if (kind === 'code') {
      var file = body.code[0];
      var report = Array.isArray(data.files) && data.files[0] ? data.files[0] : { kept: [], skeleton: [] };
      var covered = tagged(report.kept, 'kept').concat(tagged(report.skeleton, 'skeleton'));
      els.annotated.appendChild(el('p', 'note', 'Language: ' + (report.language || 'unknown') + '. Kept code is highlighted, signatures shown as a skeleton in yellow, the rest is dropped.'));
      docText(els.annotated, file.text, covered.concat(complement(file.text, covered, 'dropped')));
    } else if (kind === 'json' || (!Array.isArray(data.kept) && kind !== 'logs')) {
      var folded = Array.isArray(data.folded) ? data.folded.length : 0;
      var truncated = Array.isArray(data.truncated) ? data.truncated.length : 0;
      els.annotated.appendChild(el('p', 'note', 'No span map for this format: ' + folded + ' array(s) folded, ' + truncated + ' string(s) truncated. The compressed JSON is in the output view.'));
      docText(els.annotated, body.text, []);
    } else {
      var text = body.text;
      var spans = tagged(data.kept, 'kept');
      spans = spans.concat(Array.isArray(data.dropped) ? tagged(data.dropped, 'dropped') : complement(text, spans, 'dropped'));
      docText(els.annotated, text, spans);
    }
    els.output.textContent = copy;
    state.copyText = copy;
    els.copy.disabled = false;
  }

  function setView(view) {
    state.view = view;
    ['annotated', 'output', 'side'].forEach(function (name) { byId('view-' + name).setAttribute('aria-pressed', String(name === view)); });
    els.annotatedCol.hidden = view === 'output';
    els.outputCol.hidden = view === 'annotated';
    els.viewsBody.classList.toggle('split', view === 'side');
  }

  function copyFallback(text) {
    var area = el('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.setAttribute('aria-hidden', 'true');
    area.setAttribute('data-testid', 'copy-fallback');
    area.className = 'sr-only';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (error) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  function copied(ok) {
    els.copyStatus.textContent = ok ? 'Copied ' + state.copyText.length.toLocaleString('en-US') + ' characters' : 'Copy failed: select the output and copy it by hand';
    clearTimeout(state.copyTimer);
    state.copyTimer = setTimeout(function () { els.copyStatus.textContent = ''; }, 4000);
  }
  function copy() {
    var text = state.copyText;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(true); }, function () { copied(copyFallback(text)); });
    } else {
      copied(copyFallback(text));
    }
  }

  function loadFile(file) {
    if (!file) return;
    if (file.size > 50 * 1024 * 1024) { showError('FILE_TOO_LARGE', file.name + ' is larger than 50 MB.'); return; }
    file.text().then(function (text) {
      state.fileName = file.name;
      els.fileName.textContent = file.name;
      els.input.value = text;
      run();
    }, function () { showError('FILE_UNREADABLE', 'could not read ' + file.name + '.'); });
  }

  var EXAMPLE = [
    '# The Harbour Lighthouse restoration',
    '',
    'The lighthouse on the north pier was built in 1889 from local granite. For most of the twentieth century it was run by a keeper who lived in the cottage at its base.',
    '',
    'In 2019 the town council voted to restore the tower. The survey found that the iron lantern room had rusted through in several places and the lens was cracked.',
    '',
    '## Costs',
    '',
    'The restoration cost 1.2 million euros in total. Most of the money came from a regional heritage grant; the rest was raised by a public appeal that ran for two winters.',
    '',
    'Volunteers repainted the tower in its original red and white bands. The cottage became a small museum about the keepers and their families.',
    '',
    '## Today',
    '',
    'The light was relit on 14 March 2022 and is now automatic. Guided tours run on weekends from April to October, and the gallery offers a view over the whole bay.'
  ].join('\n');

  function init() {
    var requiresKey = document.body.getAttribute('data-requires-key') === 'true';
    els.keyArea.hidden = !requiresKey;
    els.input.addEventListener('input', function () { if (!els.input.value) { state.fileName = ''; els.fileName.textContent = ''; } schedule(); });
    [els.query, els.tokens, els.key, els.keepTurns].forEach(function (node) { node.addEventListener('input', schedule); });
    [els.kind, els.tokenizer, els.language].forEach(function (node) { node.addEventListener('change', schedule); });
    els.ratio.addEventListener('input', function () { els.ratioValue.textContent = els.ratio.value + '×'; schedule(); });
    Array.prototype.forEach.call(document.querySelectorAll('input[name="budget-mode"]'), function (radio) {
      radio.addEventListener('change', function () {
        var tokens = budgetMode() === 'tokens';
        els.ratioRow.hidden = tokens;
        els.tokensRow.hidden = !tokens;
        schedule();
      });
    });
    ['annotated', 'output', 'side'].forEach(function (name) { byId('view-' + name).addEventListener('click', function () { setView(name); }); });
    els.copy.addEventListener('click', copy);
    els.openFile.addEventListener('click', function () { els.file.click(); });
    els.file.addEventListener('change', function () { loadFile(els.file.files && els.file.files[0]); els.file.value = ''; });
    els.example.addEventListener('click', function () {
      state.fileName = '';
      els.fileName.textContent = '';
      els.input.value = EXAMPLE;
      els.query.value = 'How much did the restoration cost?';
      run();
    });
    var depth = 0;
    els.drop.addEventListener('dragenter', function (event) { event.preventDefault(); depth++; els.drop.classList.add('dragging'); });
    els.drop.addEventListener('dragover', function (event) { event.preventDefault(); });
    els.drop.addEventListener('dragleave', function () { depth = Math.max(0, depth - 1); if (depth === 0) els.drop.classList.remove('dragging'); });
    els.drop.addEventListener('drop', function (event) {
      depth = 0;
      els.drop.classList.remove('dragging');
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length > 0) { event.preventDefault(); loadFile(files[0]); }
    });
    els.ratioValue.textContent = els.ratio.value + '×';
    setView('annotated');
    resetResult();
    setStatus('Waiting for input', false);
    if (els.input.value.trim()) schedule();
  }
  init();
})();
`;
