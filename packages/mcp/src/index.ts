/**
 * @ctxpress/mcp — ctxpress as a Model Context Protocol server: the tools `compress_text`, `compress_documents`,
 * `compress_chat` and `compress_code` (`createMcpServer`), and a stateless Streamable HTTP handler
 * (`createMcpHttpHandler`). The CLI runs it as `ctxpress mcp` (stdio) or `ctxpress mcp --http PORT`.
 * @module
 */
export { createMcpServer, errorResult, linearKeepPattern, DEFAULT_RATIO, DEFAULT_TIME_LIMIT_MS, TOOL_NAMES, VERSION } from './server.js';
export type { McpServerOptions, ToolName } from './server.js';
export { createMcpHttpHandler } from './http.js';
export type { McpHttpHandler, McpHttpHandlerOptions } from './http.js';
export { startStdioServer } from './stdio.js';
export type { RunningStdioServer, StdioServerOptions } from './stdio.js';
