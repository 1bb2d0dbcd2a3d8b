/**
 * A user's project for install tests: `npm pack` of workspace packages (their built `dist/`), then an empty project
 * that installs the tarballs and the host libraries (`npm install --prefer-offline`, so it runs from the npm cache the
 * repository's own install filled — the npm registry is the only network). Every package's install test uses it.
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export interface PackedProject {
  /** The project directory (its `node_modules` holds what was installed). */
  readonly dir: string;
  /** Tarball path by short package name (`core`, `node`, `ai-sdk`, …). */
  readonly tarballs: Readonly<Record<string, string>>;
  /** `npm ARGS` in the project, offline-first and quiet; rejects on a non-zero exit. */
  npm(args: readonly string[]): Promise<CommandOutput>;
  /** `node ARGS` in the project; rejects on a non-zero exit. */
  node(args: readonly string[]): Promise<CommandOutput>;
  /** Deletes the tarballs and the project. */
  remove(): void;
}

export interface PackedProjectOptions {
  /** The repository root (where `packages/<name>` are). */
  readonly root: string;
  /** Workspace packages to pack, by directory name under `packages/` (they must be built). */
  readonly packages: readonly string[];
  /** Also install these (`name@version` specs of host libraries); the packed tarballs are always installed. */
  readonly install?: readonly string[];
  /** The project's package name. */
  readonly name: string;
}

/** Packs `packages`, then makes an ESM project that installs them and `install`. */
export async function packedProject(options: PackedProjectOptions): Promise<PackedProject> {
  const { root, packages } = options;
  for (const name of packages) {
    if (!existsSync(join(root, 'packages', name, 'dist'))) throw new Error(`packages/${name}/dist is missing: run \`npm run build\` first`);
  }
  const work = mkdtempSync(join(tmpdir(), `${options.name}-`));
  const dir = join(work, 'project');
  const workspaces = packages.flatMap((name) => ['--workspace', `packages/${name}`]);
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work, ...workspaces], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const tarballs: Record<string, string> = {};
  for (const entry of JSON.parse(stdout) as { name: string; filename: string }[]) tarballs[entry.name.replace('@ctxpress/', '')] = join(work, entry.filename);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: options.name, private: true, type: 'module' }));
  const project: PackedProject = {
    dir,
    tarballs,
    npm: (args) => run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }),
    node: (args) => run(process.execPath, [...args], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }),
    remove: () => rmSync(work, { recursive: true, force: true }),
  };
  await project.npm(['install', ...packages.map((name) => tarballs[name]!), ...(options.install ?? [])]);
  return project;
}

/** The version of `name` the repository installed for the package in `packageDir` (its own node_modules first, then the root's). */
export function installedVersion(root: string, packageDir: string, name: string): string {
  const local = join(packageDir, 'node_modules', name, 'package.json');
  const manifest = existsSync(local) ? local : join(root, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
