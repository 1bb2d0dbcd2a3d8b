/**
 * @ctxpress/openai-agents as a user installs it: `npm pack` of core, node and openai-agents into a fresh project beside
 * `@openai/agents` at the version the repository tests (`npm install --prefer-offline`, so it runs from the npm cache
 * the repository's install filled). A real `run()` with a tool and a scripted `Model` there; the type declarations
 * compile in a consumer project. About 10–40 s; CTXPRESS_SKIP_PACKAGING=1 skips it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedVersion, packedProject, type PackedProject } from '@ctxpress/node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));

describe.skipIf(process.env['CTXPRESS_SKIP_PACKAGING'] === '1')('@ctxpress/openai-agents installed from its tarball', () => {
  let user: PackedProject;
  let project = '';
  beforeAll(async () => {
    const host = `@openai/agents@${installedVersion(ROOT, HERE, '@openai/agents')}`;
    user = await packedProject({ root: ROOT, packages: ['core', 'node', 'openai-agents'], install: [host], name: 'ctxpress-openai-agents-user' });
    project = user.dir;
  }, 240_000);
  afterAll(() => user?.remove());

  it('declares @openai/agents as its peer', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@ctxpress/openai-agents/package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.peerDependencies)).toEqual(['@openai/agents']);
  });

  it('compresses what the model of a real run() receives, tool turns included', async () => {
    writeFileSync(
      join(project, 'agent.mjs'),
      `import { Agent, run, tool, setTracingDisabled, Usage } from '@openai/agents';
import { ctxpressInputFilter } from '@ctxpress/openai-agents';
setTracingDisabled(true);
const received = [];
let turn = 0;
const model = {
  async getResponse(request) {
    received.push(structuredClone(request.input));
    const output = turn++ === 0
      ? [{ type: 'function_call', callId: 'c1', name: 'logs', arguments: '{}', status: 'completed' }]
      : [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'The heater.' }] }];
    return { usage: new Usage(), output };
  },
  async *getStreamedResponse() { throw new Error('no'); },
};
const filler = Array.from({ length: 80 }, (_, i) => 'Routine log entry ' + i + ' about staffing and paperwork.').join('\\n');
const logs = tool({
  name: 'logs', description: 'Read the logs.', strict: true,
  parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
  execute: async () => filler + '\\nBattery life at night is limited by the survival heater.\\n' + filler,
});
const stats = [];
const agent = new Agent({ name: 'Ops', instructions: 'Be brief.', model, tools: [logs] });
const result = await run(agent, 'What limits the battery life at night?', {
  callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 150 }, onCompressed: (s) => stats.push(s) }),
});
const sent = received[1].find((i) => i.type === 'function_call_result');
console.log(JSON.stringify({ final: result.finalOutput, stats, sent: sent.output.text, calls: received[1].filter((i) => i.type === 'function_call').length }));
`,
    );
    const { stdout } = await user.node(['agent.mjs']);
    const out = JSON.parse(stdout) as {
      final: string;
      stats: { mode: string; originalTokens: number; compressedTokens: number }[];
      sent: string;
      calls: number;
    };
    expect(out.final).toBe('The heater.');
    expect(out.stats).toHaveLength(2);
    expect(out.stats[1]!.mode).toBe('relevance');
    expect(out.stats[1]!.originalTokens).toBeGreaterThan(150);
    expect(out.stats[1]!.compressedTokens).toBeLessThanOrEqual(150);
    expect(out.sent).toContain('Battery life at night is limited by the survival heater.');
    expect(out.calls).toBe(1);
  }, 120_000);

  it('its type declarations compile in a consumer project', async () => {
    writeFileSync(
      join(project, 'typed.ts'),
      "import { Runner } from '@openai/agents';\n" +
        "import { ctxpressInputFilter, compressModelInput, type CtxpressStats } from '@ctxpress/openai-agents';\n" +
        'const seen: CtxpressStats[] = [];\n' +
        'export const runner = new Runner({ callModelInputFilter: ctxpressInputFilter({ budget: { ratio: 4 }, whenOverTokens: 1000, onCompressed: (s) => seen.push(s) }) });\n' +
        "export const once = compressModelInput({ input: [{ role: 'user', content: 'hi' }] }, { budget: { tokens: 100 }, model: 'gpt-4.1' });\n",
    );
    const compilerOptions = { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['es2023', 'dom'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['typed.ts'] }));
    const result = await user.node([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project]).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  }, 120_000);
});
