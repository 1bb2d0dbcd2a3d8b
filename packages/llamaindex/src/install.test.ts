/**
 * @ctxpress/llamaindex as a user installs it: `npm pack` of core, node and llamaindex into a fresh project beside
 * `@llamaindex/core` (`npm install --prefer-offline`, so it runs from the npm cache the repository's install filled).
 * The README example runs there and the type declarations compile in a consumer project. About 10–30 s;
 * CTXPRESS_SKIP_PACKAGING=1 skips it.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));
const PACKED = ['core', 'node', 'llamaindex'] as const;
const HOST = '@llamaindex/core';
const installed = (name: string): string => {
  const local = join(HERE, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(existsSync(local) ? local : join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
};

const skip = process.env['CTXPRESS_SKIP_PACKAGING'] === '1';

describe.skipIf(skip)('@ctxpress/llamaindex installed from its tarball', () => {
  const work = mkdtempSync(join(tmpdir(), 'ctxpress-llamaindex-'));
  const project = join(work, 'project');
  const tarballs: Record<string, string> = {};

  beforeAll(async () => {
    for (const name of PACKED) {
      if (!existsSync(join(ROOT, 'packages', name, 'dist'))) throw new Error(`packages/${name}/dist is missing: run \`npm run build\` first`);
    }
    const workspaces = PACKED.flatMap((name) => ['--workspace', `packages/${name}`]);
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work, ...workspaces], { cwd: ROOT });
    for (const entry of JSON.parse(stdout) as { name: string; filename: string }[]) tarballs[entry.name.replace('@ctxpress/', '')] = join(work, entry.filename);
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ctxpress-llamaindex-user', private: true, type: 'module' }));
    await run('npm', ['install', ...PACKED.map((name) => tarballs[name]!), `${HOST}@${installed(HOST)}`, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], {
      cwd: project,
      maxBuffer: 16 * 1024 * 1024,
    });
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('declares @llamaindex/core as its only peer', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@ctxpress/llamaindex/package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.peerDependencies)).toEqual([HOST]);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@ctxpress/core', '@ctxpress/node']);
  });

  it('the README example runs', async () => {
    copyFileSync(join(HERE, 'examples/basic.mjs'), join(project, 'basic.mjs'));
    const { stdout } = await run(process.execPath, ['basic.mjs'], { cwd: project });
    expect(stdout).toMatch(/^\[rover-report\.md\] \(score 0\.8\) /);
    expect(stdout).toContain('Battery life is limited by the cold: at -40 °C the lithium cells lose about 60% of their capacity.');
    expect(stdout).not.toContain('cafeteria');
  });

  it('its type declarations compile in a consumer project', async () => {
    writeFileSync(
      join(project, 'typed.ts'),
      "import { CtxpressNodePostprocessor, isCtxpressError } from '@ctxpress/llamaindex';\n" +
        "import type { CtxpressNodeMetadata } from '@ctxpress/llamaindex';\n" +
        "import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';\n" +
        "import type { NodeWithScore } from '@llamaindex/core/schema';\n" +
        "export const postprocessor: BaseNodePostprocessor = new CtxpressNodePostprocessor({ budget: { tokens: 500 }, order: 'relevance' });\n" +
        'export const spans = async (nodes: NodeWithScore[]): Promise<CtxpressNodeMetadata[]> =>\n' +
        "  (await postprocessor.postprocessNodes(nodes, [{ type: 'text', text: 'q' }])).map((n) => n.node.metadata['ctxpress'] as CtxpressNodeMetadata);\n" +
        'export const coded = (error: unknown): string | undefined => (isCtxpressError(error) ? error.code : undefined);\n',
    );
    const compilerOptions = { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['es2023', 'dom'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['typed.ts'] }));
    const result = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project }).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  }, 120_000);
});
