/**
 * `startStdioServer(options)`: the ctxpress tools over stdio (newline-delimited JSON-RPC on stdin/stdout), the way MCP
 * clients such as Claude Desktop launch local servers. stdout carries the protocol only.
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer, type McpServerOptions } from './server.js';

export interface StdioServerOptions extends McpServerOptions {
  /** Default `process.stdin`. */
  readonly stdin?: Readable;
  /** Default `process.stdout`. Nothing but protocol messages is written to it. */
  readonly stdout?: Writable;
}

export interface RunningStdioServer {
  /**
   * Settles when the client goes away — stdin ends or closes, after the requests it already sent are answered — or
   * when the server is closed.
   */
  readonly closed: Promise<void>;
  /** Disconnects the server (stdin and stdout are left open). */
  close(): Promise<void>;
}

type RequestId = string | number;

/** Connects a new ctxpress MCP server to stdin/stdout. */
export async function startStdioServer(options: StdioServerOptions = {}): Promise<RunningStdioServer> {
  const { stdin = process.stdin, stdout = process.stdout, ...serverOptions } = options;
  const server = createMcpServer(serverOptions);
  const transport = new StdioServerTransport(stdin, stdout);
  // Requests read but not answered yet: a client that writes its requests and closes stdin still gets every answer.
  const pending = new Set<RequestId>();
  let ended = false;
  let finish: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (finish = resolve));
  const settleIfDrained = (): void => {
    if (ended && pending.size === 0) finish();
  };
  const onEnd = (): void => {
    ended = true;
    settleIfDrained();
  };
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  await server.connect(transport);
  const receive = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    if ('method' in message && 'id' in message) pending.add(message.id);
    receive?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    if (!('method' in message) && 'id' in message && message.id !== undefined) {
      pending.delete(message.id);
      settleIfDrained();
    }
  };
  const onclose = server.server.onclose;
  server.server.onclose = () => {
    onclose?.();
    finish();
  };
  return { closed, close: () => server.close() };
}
