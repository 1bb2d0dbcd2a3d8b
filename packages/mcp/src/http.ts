/**
 * `createMcpHttpHandler(options)`: the MCP Streamable HTTP transport as a fetch-style handler, stateless.
 *
 * Stateless: every POST gets a fresh `McpServer` and transport (`sessionIdGenerator: undefined`) and one JSON answer
 * (`enableJsonResponse`). The tools are pure functions of their arguments and the server never sends requests or
 * notifications of its own, so sessions would hold nothing but memory a client could exhaust; any instance can answer
 * any request. GET (a server-to-client event stream) and DELETE (ending a session) answer 405.
 *
 * The handler checks no Host, Origin or API key: put it behind those checks (`ctxpress mcp --http` applies the rules of
 * `ctxpress serve`).
 * @module
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createMcpServer, type McpServerOptions } from './server.js';

/** Answers one HTTP request of the MCP Streamable HTTP transport. */
export type McpHttpHandler = (request: Request) => Promise<Response>;

export interface McpHttpHandlerOptions extends McpServerOptions {
  /** Largest request body, bytes (default 10 MiB, as `ctxpress serve`): 413 above. */
  readonly maxBodyBytes?: number;
}

function methodNotAllowed(method: string): Response {
  return new Response(
    JSON.stringify({
      jsonrpc: '2.0',
      error: { code: -32000, message: `${method} is not allowed: this MCP server is stateless (no sessions, no server-sent event stream); POST JSON-RPC messages.` },
      id: null,
    }),
    { status: 405, headers: { 'content-type': 'application/json', allow: 'POST' } },
  );
}

/**
 * A stateless Streamable HTTP handler for the ctxpress tools (mount it on any route, e.g. `/mcp`).
 *
 * @example
 * const handle = createMcpHttpHandler();
 * app.post('/mcp', (c) => handle(c.req.raw)); // Hono
 */
export function createMcpHttpHandler(options: McpHttpHandlerOptions = {}): McpHttpHandler {
  const { maxBodyBytes = 10 * 1024 * 1024, ...serverOptions } = options;
  return async (request) => {
    if (request.method !== 'POST') return methodNotAllowed(request.method);
    const server = createMcpServer(serverOptions);
    const transport = new WebStandardStreamableHTTPServerTransport({
      // no sessionIdGenerator: stateless
      enableJsonResponse: true,
      maxRequestBodySize: maxBodyBytes,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      await server.close();
    }
  };
}
