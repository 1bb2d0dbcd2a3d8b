/**
 * What a command may touch: streams, terminal facts and the environment, passed in so tests run the CLI in-process.
 * @module
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths resolve against this; default `process.cwd()`. */
  readonly cwd?: string;
}

/** ANSI styling on stdout: only on a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function stdoutColor(io: CliIo): boolean {
  const noColor = io.env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  return io.stdoutIsTTY;
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes and waits when the stream asks for it (backpressure). Rejects if the stream errors while waiting. */
export async function writeText(stream: Writable, text: string): Promise<void> {
  if (text === '') return;
  if (!stream.write(text)) await once(stream, 'drain');
}

/** A byte-order mark at the very start is not content. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
