/**
 * @ctxpress/mcp as users install it (issue 11 "Done when"): `npm pack` of core, node, server, mcp and cli (their built
 * `dist/`), installed into an empty project with `npm install --prefer-offline` (the npm registry is the only network,
 * and the repository's own install filled the cache); there
 * - the installed `ctxpress mcp` answers the SDK's Client over stdio;
 * - `import { createMcpServer } from '@ctxpress/mcp'` works in a plain ESM script.
 * About 15–30 s; CTXPRESS_SKIP_PACKAGING=1 skips it, as it does the packaging test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packedProject, type PackedProject } from '@ctxpress/node/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER, QUESTION, ragText } from './fixtures.test-helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe.skipIf(process.env['CTXPRESS_SKIP_PACKAGING'] === '1')('@ctxpress/mcp installed from its tarball', () => {
  let user: PackedProject;
  let project = '';
  beforeAll(async () => {
    user = await packedProject({ root: ROOT, packages: ['core', 'node', 'server', 'mcp', 'cli'], name: 'mcp-user' });
    project = user.dir;
  }, 180_000);
  afterAll(() => user?.remove());

  it('the installed `ctxpress mcp` answers over stdio', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(project, 'node_modules', '@ctxpress', 'cli', 'bin', 'ctxpress.js'), 'mcp'],
      cwd: project,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'installed', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['compress_text', 'compress_documents', 'compress_chat', 'compress_code']);
      const result = (await client.callTool({ name: 'compress_text', arguments: { text: ragText(), query: QUESTION, tokens: 60 } })) as {
        structuredContent?: { text: string };
      };
      expect(result.structuredContent?.text).toContain(ANSWER);
    } finally {
      await client.close();
    }
  });

  it('the library: createMcpServer over the SDK’s InMemoryTransport in a plain ESM script', async () => {
    writeFileSync(
      join(project, 'check.mjs'),
      `import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMcpServer } from '@ctxpress/mcp';
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await createMcpServer().connect(serverSide);
const client = new Client({ name: 'script', version: '1.0.0' });
await client.connect(clientSide);
const ok = await client.callTool({ name: 'compress_text', arguments: { text: 'The rover has two solar arrays. Cold nights drain the battery.', query: 'battery', tokens: 8 } });
const bad = await client.callTool({ name: 'compress_text', arguments: { text: 'x', tokens: 0 } });
console.log(JSON.stringify({ ok: ok.structuredContent, bad: bad.content[0].text, isError: bad.isError }));
await client.close();
`,
    );
    const { stdout } = await user.node(['check.mjs']);
    const out = JSON.parse(stdout) as { ok: { text: string; tokens: { compressed: number } }; bad: string; isError: boolean };
    expect(out.ok.text).toContain('battery');
    expect(out.ok.tokens.compressed).toBeLessThanOrEqual(8);
    expect(out.isError).toBe(true);
    expect(out.bad).toMatch(/^INVALID_BUDGET: /);
  });
});
