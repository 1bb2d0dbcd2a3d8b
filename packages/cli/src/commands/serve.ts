/**
 * `ctxpress serve`: runs the HTTP service (@ctxpress/server) until SIGINT or SIGTERM. Configuration: flags over
 * `CTXPRESS_*` environment variables over `--config FILE`. Prints the URL on stderr; one access-log line per request
 * on stderr unless `--quiet` (method, route, status and time only — never prompt contents or keys).
 * @module
 */
import type { AccessLogEntry } from '@ctxpress/server';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

/** The flags as commander hands them over (numbers already checked by the option parsers). */
export interface ServeFlags {
  readonly port?: number;
  readonly host?: string;
  readonly upstream?: string;
  readonly config?: string;
  readonly budgetTokens?: number;
  readonly budgetRatio?: number;
  readonly compressOver?: number;
  readonly minTokens?: number;
  readonly keepLastTurns?: number;
  readonly failMode?: 'open' | 'closed';
  readonly cache?: string;
  readonly workers?: number;
  readonly regexKeep?: 'safe' | 'any' | 'none';
  /** Origins whose web pages may call the service (`--allowed-origin`, repeatable or comma-separated). */
  readonly allowedOrigin?: readonly string[] | string;
  /** Host names the service answers besides localhost, IP literals and `--host` (`--allowed-host`). */
  readonly allowedHost?: readonly string[] | string;
  readonly quiet?: boolean;
}

/** The proxy's part of an access-log line: ` · compressed 12000→3000 tokens`, ` · failed-open TIMEOUT`, … (never content). */
function proxyNote(proxy: AccessLogEntry['proxy']): string {
  if (proxy === undefined) return '';
  const tokens = proxy.tokensBefore === undefined ? '' : ` ${proxy.tokensBefore}→${proxy.tokensAfter ?? '?'} tokens`;
  return ` · ${proxy.status}${proxy.reason === undefined ? '' : ` ${proxy.reason}`}${tokens}`;
}

/** A repeatable or comma-separated flag as a list. */
function listFlag(value: readonly string[] | string): string[] {
  return (typeof value === 'string' ? [value] : [...value])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Resolves with the signal's name when the process is asked to stop. */
export type WaitForStop = () => Promise<string>;

/** SIGINT or SIGTERM, whichever comes first; both listeners are removed afterwards. */
export const processSignals: WaitForStop = () =>
  new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

/**
 * Starts the server, waits for `waitForStop`, closes it.
 * @returns the exit code (0 after a clean stop)
 * @throws {UsageError} for a bad configuration value (from flags, environment or the config file)
 */
export async function runServe(flags: ServeFlags, io: CliIo, waitForStop: WaitForStop = processSignals): Promise<number> {
  if (flags.budgetTokens !== undefined && flags.budgetRatio !== undefined) throw new UsageError('give either --budget-tokens N or --budget-ratio R, not both');
  if (flags.compressOver !== undefined && (flags.budgetTokens !== undefined || flags.budgetRatio !== undefined)) {
    throw new UsageError('give either --compress-over N or a budget (--budget-tokens N, --budget-ratio R), not both');
  }
  const server = await import('@ctxpress/server');
  const rawFlags = {
    ...(flags.port === undefined ? {} : { port: flags.port }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.upstream === undefined ? {} : { upstream: flags.upstream }),
    ...(flags.budgetTokens === undefined ? {} : { budgetTokens: flags.budgetTokens }),
    ...(flags.budgetRatio === undefined ? {} : { budgetRatio: flags.budgetRatio }),
    ...(flags.compressOver === undefined ? {} : { compressOver: flags.compressOver }),
    ...(flags.minTokens === undefined ? {} : { minTokens: flags.minTokens }),
    ...(flags.keepLastTurns === undefined ? {} : { keepLastTurns: flags.keepLastTurns }),
    ...(flags.failMode === undefined ? {} : { failMode: flags.failMode }),
    ...(flags.cache === undefined ? {} : { cache: flags.cache }),
    ...(flags.workers === undefined ? {} : { workers: flags.workers }),
    ...(flags.regexKeep === undefined ? {} : { regexKeep: flags.regexKeep }),
    ...(flags.allowedOrigin === undefined ? {} : { allowedOrigins: listFlag(flags.allowedOrigin) }),
    ...(flags.allowedHost === undefined ? {} : { allowedHosts: listFlag(flags.allowedHost) }),
  };
  let config;
  try {
    config = await server.loadConfig({ flags: rawFlags, env: io.env, ...(flags.config === undefined ? {} : { file: flags.config }) });
  } catch (error) {
    if (error instanceof server.ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const log = flags.quiet
    ? undefined
    : (entry: AccessLogEntry): void => {
        io.stderr.write(`${new Date().toISOString()} ${entry.method} ${entry.route} ${entry.status} ${entry.ms} ms${proxyNote(entry.proxy)}\n`);
      };
  const running = await server.startServer(config, log === undefined ? {} : { log });
  const budget =
    config.budget === undefined
      ? 'none (proxied requests pass through unless they set one)'
      : `${JSON.stringify(config.budget)}${config.minTokens === undefined ? '' : ` over ${config.minTokens} tokens`}`;
  io.stderr.write(
    `ctxpress serve: listening on ${running.url}\n` +
      `  playground: ${running.url}/ · API: ${running.url}/v1/compress · OpenAI-compatible proxy: ${running.url}/v1 · metrics: ${running.url}/metrics\n` +
      `  upstream: ${config.upstream ?? 'none (proxy routes answer 503)'} · budget: ${budget} · fail mode: ${config.failMode}` +
      ` · api keys: ${config.apiKeys.length === 0 ? 'off' : config.apiKeys.length} · cache: ${config.cache === undefined ? 'off' : config.cache.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/i, '$1***@')} · workers: ${config.workers}\n` +
      `  allowed origins: ${config.allowedOrigins.length === 0 ? 'this service only' : config.allowedOrigins.join(', ')} · allowed hosts: localhost, IP addresses, ${config.host}${config.allowedHosts.length === 0 ? '' : `, ${config.allowedHosts.join(', ')}`}\n`,
  );
  const signal = await waitForStop();
  io.stderr.write(`ctxpress serve: ${signal}, stopping\n`);
  await running.close();
  return 0;
}
