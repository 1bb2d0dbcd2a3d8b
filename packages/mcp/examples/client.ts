/**
 * Calling the ctxpress MCP server from TypeScript with the official SDK's Client (the test suite runs this file).
 *
 *   npm install @ctxpress/cli @modelcontextprotocol/sdk
 *   npx tsx client.ts
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

// Launches `ctxpress mcp` as a child process and talks to it over stdio.
const client = new Client({ name: 'my-agent', version: '1.0.0' });
await client.connect(new StdioClientTransport({ command: 'npx', args: ['ctxpress', 'mcp'] }));

const { tools } = await client.listTools();
console.log('tools:', tools.map((tool) => tool.name).join(', '));

// Retrieved passages, compressed jointly to 60 tokens around the question; the output is verbatim spans of them.
const result = await client.callTool({
  name: 'compress_documents',
  arguments: {
    query: 'When was the Pier 7 elevator installed?',
    tokens: 60,
    documents: [
      {
        id: 'harbour-history',
        text:
          'The harbour was dredged in 1902 to let larger ships reach the warehouses. ' +
          'The tower elevator at Pier 7 was installed by the Halvorsen Lift Company in 1931 and carries twelve passengers. ' +
          'A fire in 1954 destroyed two of the old sheds, which were never rebuilt.',
      },
      {
        id: 'city-parks',
        text:
          'The city council met on Tuesday to discuss the budget for road repairs and the upkeep of parks. ' +
          'Volunteers planted two hundred trees along the river path last spring.',
      },
    ],
  },
});
const compressed = result.structuredContent as { text: string; tokens: { original: number; compressed: number; budget: number } };
console.log(`compressed ${compressed.tokens.original} → ${compressed.tokens.compressed} tokens:`);
console.log(compressed.text);

await client.close();
