/**
 * @ctxpress/llamaindex as a user installs it: `npm pack` of core, node and llamaindex into a fresh project beside
 * `@llamaindex/core` (`npm install --prefer-offline`, so it runs from the npm cache the repository's install filled).
 * The README example runs there and the type declarations compile in a consumer project. About 10–30 s;
 * CTXPRESS_SKIP_PACKAGING=1 skips it.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedVersion, packedProject, type PackedProject } from '@ctxpress/node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));
const HOST = '@llamaindex/core';

describe.skipIf(process.env['CTXPRESS_SKIP_PACKAGING'] === '1')('@ctxpress/llamaindex installed from its tarball', () => {
  let user: PackedProject;
  let project = '';
  beforeAll(async () => {
    user = await packedProject({ root: ROOT, packages: ['core', 'node', 'llamaindex'], install: [`${HOST}@${installedVersion(ROOT, HERE, HOST)}`], name: 'ctxpress-llamaindex-user' });
    project = user.dir;
  }, 180_000);
  afterAll(() => user?.remove());

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
    const { stdout } = await user.node(['basic.mjs']);
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
    const result = await user.node([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project]).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  }, 120_000);
});
