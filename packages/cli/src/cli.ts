/**
 * `runCli(argv, io)`: parse argv with commander, run the command, map every failure to an exit code.
 * 0 ok · 1 runtime or library error (`ctxpress: <code>: <message>`) · 2 usage error. Never calls `process.exit`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { isCtxpressError } from '@ctxpress/core';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BatchError, type BatchFlags, planBatch, runBatchCommand } from './commands/batch.js';
import { type CompressFlags, InputError, planCompress, runCompress } from './commands/compress.js';
import { runServe, type ServeFlags } from './commands/serve.js';
import { type McpFlags, runMcp } from './commands/mcp.js';
import type { CliIo } from './io.js';
import { parseFraction, parseMilliseconds, parseRatio, parseTokenCount } from './numbers.js';
import { UsageError } from './usage-error.js';
import { INPUT_KINDS } from './input-request.js';

export type { CliIo } from './io.js';

/** What argv asked for, before anything runs. */
type Invocation =
  | { readonly command: 'compress'; readonly files: readonly string[]; readonly flags: CompressFlags }
  | { readonly command: 'batch'; readonly input: string; readonly flags: BatchFlags }
  | { readonly command: 'serve'; readonly flags: ServeFlags }
  | { readonly command: 'mcp'; readonly flags: McpFlags };

/**
 * Runs the CLI in-process.
 * @param argv the user's arguments, without `node` and the script (`process.argv.slice(2)`)
 * @returns the exit code
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let invocation: Invocation | undefined;
  const program = buildProgram(io, (parsed) => (invocation = parsed));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander has printed the message
    return reportError(error, io);
  }
  if (!invocation) return 0;
  try {
    switch (invocation.command) {
      case 'compress':
        return await runCompress(planCompress(invocation.files, invocation.flags, io.stdinIsTTY), io);
      case 'batch':
        return await runBatchCommand(planBatch(invocation.input, invocation.flags, io.cwd ?? process.cwd()), io);
      case 'serve':
        return await runServe(invocation.flags, io);
      case 'mcp':
        return await runMcp(invocation.flags, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`ctxpress: ${error.message}\n(run 'ctxpress ${invocation.command} --help' for usage)\n`);
      return 2;
    }
    return reportError(error, io);
  }
}

/** Exit code 1 and one line on stderr; the stack only for unexpected errors and only with `CTXPRESS_DEBUG`. */
function reportError(error: unknown, io: CliIo): number {
  if (error instanceof InputError || error instanceof BatchError) {
    io.stderr.write(`ctxpress: ${error.message}\n`);
  } else if (isCtxpressError(error)) {
    io.stderr.write(`ctxpress: ${error.code}: ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`ctxpress: ${message}\n`);
    if (io.env['CTXPRESS_DEBUG'] && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  }
  return 1;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}

function numberOption(parse: (text: string) => number | undefined, expected: string): (text: string) => number {
  return (text) => {
    const value = parse(text);
    if (value === undefined) throw new InvalidArgumentError(`expected ${expected}.`);
    return value;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function buildProgram(io: CliIo, onInvocation: (invocation: Invocation) => void): Command {
  const program = new Command('ctxpress')
    .description('Compress long context for LLM prompts to a token budget, keeping what matters for the query.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`ctxpress: ${text}`),
    })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true);

  program
    .command('compress')
    .summary('compress text, files or documents to a token budget')
    .description(
      'Compress text to a token budget. Reads FILE arguments (each one a document, id = its path), ' +
        '--documents FILE.json, or stdin when neither is given. "-" reads stdin.',
    )
    .argument('[files...]', 'input files; stdin when none')
    .option('--query <text>', 'keep what answers this question')
    .option('--tokens <n>', 'token budget (give exactly one of --tokens / --ratio)', numberOption(parseTokenCount, 'a positive integer'))
    .option('--ratio <r>', 'compression ratio: keep 1/R of the tokens (e.g. 4)', numberOption(parseRatio, 'a number ≥ 1'))
    .option('--tokenizer <name>', 'o200k_base (default), cl100k_base, gpt-4o, gpt-4, gpt-3.5-turbo, llama3, qwen3')
    .option('--keep <pattern>', 'text that must survive; "/re/flags" is a regular expression, anything else literal (repeatable)', collect)
    .addOption(
      new Option(
        '--input-format <format>',
        'what the input is: prose (text, markdown), a chat history (JSON messages), JSON, logs or source code; auto decides from the content and file extensions',
      )
        .choices([...INPUT_KINDS])
        .default('auto'),
    )
    .addOption(new Option('--format <format>', 'output: text (compressed text only) or json (the whole result)').choices(['text', 'json']).default('text'))
    .option('--documents <file>', 'a JSON array of documents {id?, title?, text}')
    .option('--separator <s>', 'between non-adjacent kept spans of one source (default "\\n"; \\n and \\t are understood)')
    .option(
      '--prune <fraction>',
      'also delete up to this fraction of the words inside kept sentences, in (0, 1)',
      numberOption(parseFraction, 'a number between 0 and 1'),
    )
    .option('--explain', 'show the source with dropped text struck through, then a summary (with --format json: add per-unit scores)')
    .option(
      '--time-limit <ms>',
      'stop with a TIME_LIMIT error (exit 1) when compressing takes longer than this many milliseconds',
      numberOption(parseMilliseconds, 'a number of milliseconds > 0'),
    )
    .option('--cache <dir|redis-url>', 'reuse per-document work across runs from this directory or a redis:// URL (text, markdown and documents; same output)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ ctxpress compress notes.md --query "What limits battery life?" --ratio 4',
        '  $ cat log.txt | ctxpress compress --tokens 500 --keep "/ERROR.*/"',
        '  $ ctxpress compress a.md b.md --tokens 2000 --format json',
        '  $ ctxpress compress report.md --ratio 3 --explain',
        '  $ ctxpress compress docs/*.md --query "..." --ratio 10 --cache .ctxpress-cache',
      ].join('\n'),
    )
    .action((files: string[], flags: CompressFlags) => onInvocation({ command: 'compress', files, flags }));

  program
    .command('batch')
    .summary('compress a JSONL file of requests on all cores')
    .description(
      'Compress one request per line of a JSONL file, in parallel worker threads, writing one result per line in the same order.\n' +
        'Request: {"id", "text" | "documents", "query"?, "tokens"? | "ratio"?, "tokenizer"?, "keep"?, "format"?}\n' +
        'Result:  {"id", "text", "tokens": {original, compressed, budget}, "ratio", "kept"}\n' +
        'A bad line (or one over --time-limit) gives {"id", "line", "error": {code, message}} and the batch goes on.',
    )
    .argument('<input>', 'JSONL file of requests ("-" reads stdin)')
    .option('-o, --output <file>', 'write results here instead of stdout')
    .option('--workers <n>', 'worker threads (default: available cores)', numberOption(parseTokenCount, 'a positive integer'))
    .option(
      '--time-limit <ms>',
      'per request: a request whose compression takes longer than this many milliseconds gets a TIME_LIMIT error line',
      numberOption(parseMilliseconds, 'a number of milliseconds > 0'),
    )
    .action((input: string, flags: BatchFlags) => onInvocation({ command: 'batch', input, flags }));

  program
    .command('serve')
    .summary('run the HTTP service and the compressing OpenAI/Anthropic proxy')
    .description(
      'Serve the playground page at GET /, POST /v1/compress, the compressing proxy POST /v1/chat/completions, POST /v1/responses and POST /v1/messages ' +
        '(every other /v1 request is relayed to the upstream unchanged), GET /healthz and GET /metrics.\n' +
        'Flags override CTXPRESS_* environment variables (CTXPRESS_PORT, CTXPRESS_HOST, CTXPRESS_UPSTREAM, CTXPRESS_UPSTREAM_API_KEY, ' +
        'CTXPRESS_API_KEYS, CTXPRESS_BUDGET_TOKENS, CTXPRESS_BUDGET_RATIO, CTXPRESS_COMPRESS_OVER, CTXPRESS_MIN_TOKENS, CTXPRESS_KEEP_LAST_TURNS, CTXPRESS_FAIL_MODE, CTXPRESS_TIMEOUT_MS, CTXPRESS_MAX_BODY_BYTES, ' +
        'CTXPRESS_TOKENIZER, CTXPRESS_CACHE, CTXPRESS_CACHE_MAX_BYTES, CTXPRESS_WORKERS, CTXPRESS_REGEX_KEEP, CTXPRESS_ALLOWED_ORIGINS, CTXPRESS_ALLOWED_HOSTS), which override --config FILE. Stops on SIGINT or SIGTERM.',
    )
    .option(
      '--port <n>',
      'port (default 8787; 0 picks a free one)',
      numberOption((text) => (/^\d+$/.test(text) && Number(text) <= 65_535 ? Number(text) : undefined), 'a port 0-65535'),
    )
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .option('--upstream <url>', 'base URL the proxy forwards to, e.g. https://api.openai.com')
    .option('--config <file>', 'a JSON config file')
    .option('--budget-tokens <n>', 'default proxy budget in tokens', numberOption(parseTokenCount, 'a positive integer'))
    .option('--budget-ratio <r>', 'default proxy budget as a ratio (e.g. 4)', numberOption(parseRatio, 'a number ≥ 1'))
    .option(
      '--compress-over <n>',
      'default proxy policy: compress requests over N tokens down to N, leave the others untouched',
      numberOption(parseTokenCount, 'a positive integer'),
    )
    .option(
      '--min-tokens <n>',
      'with the default budget: forward requests under N tokens untouched',
      numberOption((text) => (/^\d+$/.test(text) ? Number(text) : undefined), 'an integer ≥ 0'),
    )
    .option(
      '--keep-last-turns <n>',
      'proxy: the last N user turns are never compressed (default 4)',
      numberOption((text) => (/^\d+$/.test(text) ? Number(text) : undefined), 'an integer ≥ 0'),
    )
    .addOption(new Option('--fail-mode <mode>', 'when compression fails: open forwards the original request, closed answers 502').choices(['open', 'closed']))
    .option(
      '--cache <memory|dir|redis-url>',
      'segment cache of /v1/compress and the proxy: memory (LRU per worker), a directory (on disk) or a redis:// URL (shared by instances)',
    )
    .addOption(
      new Option(
        '--regex-keep <policy>',
        'regular expressions in keep of /v1/compress: safe refuses catastrophic-backtracking shapes (default), none refuses all, any accepts all',
      ).choices(['safe', 'any', 'none']),
    )
    .option(
      '--workers <n>',
      'compression worker threads (default: available cores; 0 compresses on the event loop)',
      numberOption((text) => (/^\d+$/.test(text) && Number(text) <= 1024 ? Number(text) : undefined), 'an integer 0-1024'),
    )
    .option(
      '--allowed-origin <origin>',
      'a web origin (https://app.example) allowed to call the service from a browser, besides the playground (repeatable or comma-separated)',
      collect,
    )
    .option(
      '--allowed-host <name>',
      'a Host name the service answers besides localhost, IP addresses and --host (repeatable or comma-separated; .domain for subdomains, * for any)',
      collect,
    )
    .option('--quiet', 'no access log on stderr')
    .action((flags: ServeFlags) => onInvocation({ command: 'serve', flags }));

  program
    .command('mcp')
    .summary('run the MCP server (tools compress_text, compress_documents, compress_chat, compress_code)')
    .description(
      'Serve the ctxpress tools over the Model Context Protocol: on stdio by default (for MCP clients that launch it, e.g. ' +
        '{"command": "npx", "args": ["ctxpress", "mcp"]}; stdout carries only the protocol), or over Streamable HTTP at POST /mcp with --http PORT ' +
        '(stateless; 127.0.0.1 unless --host; the Host, Origin, API-key and body-limit rules of ctxpress serve, also from CTXPRESS_API_KEYS, ' +
        'CTXPRESS_ALLOWED_HOSTS, CTXPRESS_ALLOWED_ORIGINS, CTXPRESS_MAX_BODY_BYTES). CTXPRESS_TIMEOUT_MS limits one call (default 10000). ' +
        'Stops when stdin closes (stdio) or on SIGINT / SIGTERM.',
    )
    .option(
      '--http <port>',
      'serve Streamable HTTP on this port instead of stdio (0 picks a free one)',
      numberOption((text) => (/^\d+$/.test(text) && Number(text) <= 65_535 ? Number(text) : undefined), 'a port 0-65535'),
    )
    .option('--host <host>', 'with --http: interface to bind (default 127.0.0.1)')
    .option('--api-key <key>', 'with --http: an API key clients must send (authorization: Bearer KEY or x-api-key; repeatable or comma-separated)', collect)
    .option('--allowed-origin <origin>', 'with --http: a web origin allowed to call the server from a browser (repeatable or comma-separated)', collect)
    .option('--allowed-host <name>', 'with --http: a Host name answered besides localhost, IP addresses and --host (repeatable or comma-separated)', collect)
    .action((flags: McpFlags) => onInvocation({ command: 'mcp', flags }));

  return program;
}
