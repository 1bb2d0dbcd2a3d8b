/**
 * Where and on what a run happened, stored with every result file.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { cpus, availableParallelism, platform, arch, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface RunEnvironment {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly platform: string;
  readonly memoryGB: number;
  /** `git rev-parse --short HEAD`, `null` outside a repository. */
  readonly commit: string | null;
  /** Uncommitted changes under packages/ or bench/ at run time; `null` when git failed. */
  readonly dirty: boolean | null;
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

function git(args: readonly string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: repositoryRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function runEnvironment(): RunEnvironment {
  const status = git(['status', '--porcelain', '--', 'packages', 'bench/src']);
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    platform: `${platform()}-${arch()}`,
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: status === null ? null : status !== '',
  };
}

export function describeEnvironment(environment: RunEnvironment): string {
  const commit = environment.commit === null ? 'no git commit' : `commit ${environment.commit}${environment.dirty === true ? ' (+ uncommitted changes)' : ''}`;
  return `${environment.date} · ${commit} · Node ${environment.node} · ${environment.cpu} (${environment.cores} cores) · ${environment.platform}`;
}
