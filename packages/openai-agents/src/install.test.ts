/**
 * @ctxpress/openai-agents as a user installs it: `npm pack` of core, node and openai-agents into a fresh project beside
 * `@openai/agents` at the version the repository tests (`npm install --prefer-offline`, so it runs from the npm cache
 * the repository's install filled). A real `run()` with a tool and a scripted `Model` there; the type declarations
 * compile in a consumer project. About 10–40 s; CTXPRESS_SKIP_PACKAGING=1 skips it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));
const PACKED = ['core', 'node', 'openai-agents'] as const;
const installed = (name: string): string => {
  const local = join(HERE, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(existsSync(local) ? local : join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
};

const skip = process.env['CTXPRESS_SKIP_PACKAGING'] === '1';

describe.skipIf(skip)('@ctxpress/openai-agents installed from its tarball', () => {
  const work = mkdtempSync(join(tmpdir(), 'ctxpress-openai-agents-'));
  const project = join(work, 'project');
  const tarballs: Record<string, string> = {};
  const npm = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
    run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: project, maxBuffer: 16 * 1024 * 1024 });

  beforeAll(async () => {
    for (const name of PACKED) {
      if (!existsSync(join(ROOT, 'packages', name, 'dist'))) throw new Error(`packages/${name}/dist is missing: run \`npm run build\` first`);
    }
    const workspaces = PACKED.flatMap((name) => ['--workspace', `packages/${name}`]);
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work, ...workspaces], { cwd: ROOT });
    for (const entry of JSON.parse(stdout) as { name: string; filename: string }[]) tarballs[entry.name.replace('@ctxpress/', '')] = join(work, entry.filename);
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ctxpress-openai-agents-user', private: true, type: 'module' }));
    await npm(['install', tarballs['core']!, tarballs['node']!, tarballs['openai-agents']!, `@openai/agents@${installed('@openai/agents')}`]);
  }, 240_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

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
    const { stdout } = await run(process.execPath, ['agent.mjs'], { cwd: project });
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
    const result = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project }).catch(
      (error: { stdout: string }) => error,
    );
    expect(result.stdout).toBe('');
  }, 120_000);
});
