/**
 * @ctxpress/langchain as a user installs it: `npm pack` of core, node and langchain into a fresh project beside the
 * host library (`npm install --prefer-offline`, so it runs from the npm cache the repository's install filled).
 * First without `langchain` (the main entry must not need it: the retriever example runs), then with it (the agent
 * entry, `@ctxpress/langchain/agent`, in a real `createAgent`). About 10–30 s; CTXPRESS_SKIP_PACKAGING=1 skips it.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedVersion, packedProject, type PackedProject } from '@ctxpress/node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));
/** The host versions the package is tested with (its devDependencies). */
const devDependencies = (JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
const installed = (name: string): string => installedVersion(ROOT, HERE, name);

describe.skipIf(process.env['CTXPRESS_SKIP_PACKAGING'] === '1')('@ctxpress/langchain installed from its tarball', () => {
  let user: PackedProject;
  let project = '';
  const npm = (args: string[]): ReturnType<PackedProject['npm']> => user.npm(args);
  beforeAll(async () => {
    const hosts = ['@langchain/core', '@langchain/classic'].map((name) => `${name}@${installed(name)}`);
    user = await packedProject({ root: ROOT, packages: ['core', 'node', 'langchain'], install: hosts, name: 'ctxpress-langchain-user' });
    project = user.dir;
  }, 180_000);
  afterAll(() => user?.remove());

  it('declares the host libraries as peers, langchain optional', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@ctxpress/langchain/package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['@langchain/core', 'langchain']);
    expect(manifest.peerDependenciesMeta['langchain']?.optional).toBe(true);
    expect(devDependencies['@langchain/core']).toBeDefined();
  });

  it('without langchain installed, the README example runs', async () => {
    expect(existsSync(join(project, 'node_modules/langchain'))).toBe(false);
    copyFileSync(join(HERE, 'examples/retriever.mjs'), join(project, 'retriever.mjs'));
    const { stdout } = await user.node(['retriever.mjs']);
    expect(stdout).toMatch(/^\[rover-report\.md\] /);
    expect(stdout).toContain('Battery life is limited by the cold');
  });

  it('with langchain installed, ctxpressMiddleware compresses what a createAgent model receives', async () => {
    await npm(['install', `langchain@${installed('langchain')}`]);
    writeFileSync(
      join(project, 'agent.mjs'),
      `import { createAgent } from 'langchain';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { ctxpressMiddleware } from '@ctxpress/langchain/agent';
import { countMessageTokens } from '@ctxpress/langchain';
class Recording extends BaseChatModel {
  received = [];
  _llmType() { return 'recording'; }
  bindTools() { return this; }
  async _generate(messages) { this.received.push(messages); return { generations: [{ text: 'ok', message: new AIMessage('ok') }] }; }
}
const model = new Recording({});
const filler = Array.from({ length: 60 }, (_, i) => 'Routine log entry ' + i + ' about staffing and paperwork.').join(' ');
const messages = [new HumanMessage('Summarise the logs.'), new AIMessage(filler), new HumanMessage('What limits the battery life?')];
const agent = createAgent({ model, tools: [], systemPrompt: 'Be brief.', middleware: [ctxpressMiddleware({ budget: { tokens: 120 } })] });
await agent.invoke({ messages });
const sent = model.received[0];
console.log(JSON.stringify({ before: await countMessageTokens(messages), after: await countMessageTokens(sent), last: sent.at(-1).content }));
`,
    );
    const { stdout } = await user.node(['agent.mjs']);
    const out = JSON.parse(stdout) as { before: number; after: number; last: string };
    expect(out.before).toBeGreaterThan(120);
    expect(out.after).toBeLessThanOrEqual(120);
    expect(out.last).toBe('What limits the battery life?');
  }, 120_000);

  it('its type declarations compile in a consumer project (both entry points)', async () => {
    writeFileSync(
      join(project, 'typed.ts'),
      "import { CtxpressDocumentCompressor, ctxpressTrimMessages } from '@ctxpress/langchain';\n" +
        "import { ctxpressMiddleware } from '@ctxpress/langchain/agent';\n" +
        "import type { BaseMessage } from '@langchain/core/messages';\n" +
        "export const compressor = new CtxpressDocumentCompressor({ budget: { tokens: 500 }, order: 'relevance' });\n" +
        'export const trim = (m: BaseMessage[]): Promise<BaseMessage[]> => ctxpressTrimMessages(m, { maxTokens: 100 });\n' +
        'export const middleware = ctxpressMiddleware({ budget: { ratio: 4 }, whenOverTokens: 1000 });\n',
    );
    const compilerOptions = { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['es2023', 'dom'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['typed.ts'] }));
    const result = await user.node([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project]).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  }, 120_000);
});
