/**
 * Content-type detection: whether a text is JSON, a log, Markdown or plain text. The rule behind `format: "auto"` of
 * the request model (`resolveRequestFormat`) and of `compressToolOutput`.
 * @module
 */
import { detectFormat } from './sources.js';

export type ContentType = 'json' | 'logs' | 'markdown' | 'text';

const TIMESTAMP_START =
  /^\s*(?:\[\s*)?(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}|\d{2}:\d{2}:\d{2}|\d{10}(?:\.\d+)?\b|\d{1,2}\/[A-Z][a-z]{2}\/\d{4}:)/;
const LEVEL_START = /^\s*[[(<]?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|SEVERE|PANIC)\b|^[IWEF]\d{4} \d{2}:\d{2}|^\s*(?:level|lvl|time|ts)=/i;
const ACCESS_LOG_START = /^\d{1,3}(?:\.\d{1,3}){3} \S+ \S+ \[/;
const JSON_LOG_LINE = /^\{.*"(?:level|lvl|severity|time|timestamp|ts|@timestamp|msg|message)"\s*:/;

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  const c = t.charCodeAt(0);
  if (c !== 123 /* { */ && c !== 91 /* [ */) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

function looksLikeLogs(text: string): boolean {
  let lines = 0;
  let hits = 0;
  let start = 0;
  while (start < text.length && lines < 400) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    // stack frames and continuation lines are neither evidence for nor against
    if (line.trim().length === 0 || /^\s/.test(line) || /^Caused by:|^Traceback|^[\w.$]+(?:Exception|Error)\b/.test(line)) continue;
    lines++;
    if (TIMESTAMP_START.test(line) || LEVEL_START.test(line) || ACCESS_LOG_START.test(line) || JSON_LOG_LINE.test(line)) hits++;
  }
  return hits >= 2 && hits >= lines * 0.6;
}

/**
 * The content type of a tool result: `json` (parses after trimming and starts with `{` or `[`), `logs` (most lines start
 * with a timestamp, a level token, an access-log client address or are JSON log records), `markdown` (`detectFormat`),
 * otherwise `text`.
 */
export function detectContentType(text: string): ContentType {
  if (typeof text !== 'string' || text.trim().length === 0) return 'text';
  if (looksLikeJson(text)) return 'json';
  if (looksLikeLogs(text)) return 'logs';
  return detectFormat(text) === 'markdown' ? 'markdown' : 'text';
}
