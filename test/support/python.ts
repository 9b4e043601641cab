/**
 * Python tooling for the end-to-end suite: one virtual environment per dependency set of a generated project,
 * cached under .cache/e2e/venvs/<hash of the requirements>, installed with uv (installed on first use).
 */
import { execFileSync, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from './paths.js';

const TOOLS_VENV = join(CACHE_DIR, 'tools');
const VENVS = join(CACHE_DIR, 'e2e', 'venvs');

export interface RunResult {
  status: number | null;
  output: string;
}

/** Run a command, capturing stdout and stderr together; resolves whatever the exit status. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // yeoman-test moves the process into folders that later specs delete: never inherit that directory.
    const cwd = options.cwd ?? REPO_ROOT;
    const child = spawn(command, args, { ...options, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** Run a command that must succeed; the error carries its output. */
export async function mustRun(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<string> {
  const result = await run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.output}`);
  }
  return result.output;
}

/** uv from PATH, else from .cache/tools (pip-installed there once, under the cache lock). */
export async function uv(): Promise<string> {
  return withCacheLock(async () => uvPath());
}

function uvPath(): string {
  if (spawnSync('uv', ['--version'], { stdio: 'ignore', cwd: REPO_ROOT }).status === 0) return 'uv';
  const local = join(TOOLS_VENV, 'bin', 'uv');
  if (!existsSync(local)) {
    execFileSync('python3', ['-m', 'venv', TOOLS_VENV], { stdio: 'inherit', cwd: REPO_ROOT });
    execFileSync(join(TOOLS_VENV, 'bin', 'python'), ['-m', 'pip', 'install', '-q', 'uv'], {
      stdio: 'inherit',
      cwd: REPO_ROOT,
    });
  }
  return local;
}

/** The runtime and dev requirements a generated pyproject.toml declares. */
export function projectRequirements(pyproject: string): string[] {
  const script =
    'import json, sys, tomllib\n' +
    'project = tomllib.load(open(sys.argv[1], "rb"))["project"]\n' +
    'print(json.dumps(project["dependencies"] + project["optional-dependencies"]["dev"]))';
  return JSON.parse(
    execFileSync('python3', ['-c', script, pyproject], { encoding: 'utf8', cwd: REPO_ROOT }),
  ) as string[];
}

/**
 * A virtual environment holding exactly these requirements, shared by every project that declares the same
 * set. The project itself is not installed: commands run from its root, where `app` is importable.
 */
export async function venvFor(requirements: string[]): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify([...requirements].sort()))
    .digest('hex')
    .slice(0, 16);
  const venv = join(VENVS, key);
  const complete = join(venv, '.complete');
  if (existsSync(complete)) return venv;
  return withCacheLock(async () => {
    if (existsSync(complete)) return venv; // another worker made it while this one waited
    rmSync(venv, { recursive: true, force: true });
    const uv = uvPath();
    await mustRun(uv, ['venv', '--quiet', '--python', 'python3', venv]);
    await mustRun(uv, [
      'pip',
      'install',
      '--quiet',
      '--python',
      join(venv, 'bin', 'python'),
      ...requirements,
    ]);
    await mustRun('touch', [complete]);
    return venv;
  });
}

const LOCK = join(CACHE_DIR, 'e2e', '.lock');
/** A lock older than this was left by a run that died; it is broken. */
const STALE_LOCK_MS = 15 * 60_000;

/**
 * Run `work` while holding the cache lock (a directory: mkdir is atomic), so that mocha's parallel workers
 * never build the same virtual environment or install uv at the same time.
 */
async function withCacheLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const held = statSync(LOCK, { throwIfNoEntry: false });
      if (held !== undefined && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
        rmSync(LOCK, { recursive: true, force: true });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
