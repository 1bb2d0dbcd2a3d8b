/**
 * @ctxpress/ai-sdk as a user installs it: `npm pack` of core, node and ai-sdk into a fresh project beside `ai` at the
 * version the repository tests (`npm install --prefer-offline`, so it runs from the npm cache the repository's install
 * filled). A real `generateText` through `wrapLanguageModel` with the SDK's mock model there; the README example's
 * types compile in a consumer project. About 10–40 s; CTXPRESS_SKIP_PACKAGING=1 skips it.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedVersion, packedProject, type PackedProject } from '@ctxpress/node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));

describe.skipIf(process.env['CTXPRESS_SKIP_PACKAGING'] === '1')('@ctxpress/ai-sdk installed from its tarball', () => {
  let user: PackedProject;
  let project = '';
  beforeAll(async () => {
    user = await packedProject({ root: ROOT, packages: ['core', 'node', 'ai-sdk'], install: [`ai@${installedVersion(ROOT, HERE, 'ai')}`], name: 'ctxpress-ai-sdk-user' });
    project = user.dir;
  }, 240_000);
  afterAll(() => user?.remove());

  it('declares ai as its only peer', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@ctxpress/ai-sdk/package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
    expect(manifest.peerDependencies).toEqual({ ai: '^6.0.0' });
  });

  it('compresses what the model of a real generateText call receives', async () => {
    writeFileSync(
      join(project, 'call.mjs'),
      `import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { ctxpressMiddleware } from '@ctxpress/ai-sdk';
const received = [];
const model = new MockLanguageModelV3({
  modelId: 'gpt-4o',
  doGenerate: async (options) => {
    received.push(options.prompt);
    return { content: [{ type: 'text', text: 'The heater.' }], finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }, warnings: [] };
  },
});
const filler = Array.from({ length: 80 }, (_, i) => 'Routine log entry ' + i + ' about staffing and paperwork.').join('\\n');
const documents = filler + '\\nBattery life at night is limited by the survival heater.\\n' + filler;
const stats = [];
const { text, providerMetadata } = await generateText({
  model: wrapLanguageModel({ model, middleware: ctxpressMiddleware({ budget: { tokens: 150 }, onCompressed: (s) => stats.push(s) }) }),
  system: 'Answer from the documents only.',
  prompt: documents + '\\n\\nQuestion: What limits the battery life at night?',
});
const sent = JSON.stringify(received[0]);
console.log(JSON.stringify({ text, stats, meta: providerMetadata?.ctxpress ?? null, keptAnswer: sent.includes('survival heater'), sentChars: sent.length, fullChars: documents.length }));
`,
    );
    const { stdout } = await user.node(['call.mjs']);
    const out = JSON.parse(stdout) as {
      text: string;
      stats: { mode: string; originalTokens: number; compressedTokens: number }[];
      meta: { mode: string } | null;
      keptAnswer: boolean;
      sentChars: number;
      fullChars: number;
    };
    expect(out.text).toBe('The heater.');
    expect(out.stats).toHaveLength(1);
    expect(out.stats[0]!.mode).toBe('relevance');
    expect(out.stats[0]!.originalTokens).toBeGreaterThan(150);
    expect(out.stats[0]!.compressedTokens).toBeLessThanOrEqual(150);
    expect(out.meta?.mode).toBe('relevance');
    expect(out.keptAnswer).toBe(true);
    expect(out.sentChars).toBeLessThan(out.fullChars / 2);
  }, 120_000);

  it("the README's example compiles in a consumer project", async () => {
    copyFileSync(join(HERE, 'examples/basic.ts'), join(project, 'basic.ts'));
    const compilerOptions = { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['es2023', 'dom'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['basic.ts'] }));
    const result = await user.node([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project]).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  }, 120_000);
});
