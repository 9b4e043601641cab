/**
 * Python tooling for the end-to-end suite, with uv (installed on first use): each generated project installed in
 * its own `.venv`, as its README says, and the suite's tools (schemathesis...) in virtual environments cached
 * under .cache/e2e/venvs/<hash of the requirements>.
 */
import { execFileSync, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from './paths.js';

const TOOLS_VENV = join(CACHE_DIR, 'tools');
const VENVS = join(CACHE_DIR, 'e2e', 'venvs');

export interface RunResult {
  /** The exit status; null when a signal ended the command (the timeout's SIGKILL included). */
  status: number | null;
  output: string;
  /** The command ran past `timeoutMs` and was killed. */
  timedOut: boolean;
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
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output, timedOut });
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
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${ending(result.output)}`);
  }
  return result.output;
}

/**
 * Run a command that must fail, by its own exit: a non-zero status. Killed by the timeout or by a signal, it
 * did not fail as expected, it hung or crashed; that is an error too. Resolves its output.
 */
export async function mustFail(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<string> {
  const result = await run(command, args, options);
  const ran = `${command} ${args.join(' ')}`;
  const output = ending(result.output);
  if (result.timedOut) throw new Error(`${ran} did not exit within its timeout:\n${output}`);
  if (result.status === null) throw new Error(`${ran} was killed by a signal:\n${output}`);
  if (result.status === 0) throw new Error(`${ran} succeeded, but should have failed:\n${output}`);
  return result.output;
}

/** The end of a command's output, for an error message (mocha's workers send messages of bounded size). */
function ending(output: string, limit = 20_000): string {
  return output.length <= limit
    ? output
    : `[${output.length - limit} characters before]\n${output.slice(-limit)}`;
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

/**
 * Install a generated project the way its README says: a `.venv` in the project, holding the project itself,
 * editable, with its dev extra (`uv pip install -e '.[dev]'`). After the first time uv's cache makes this a
 * matter of seconds. Returns the virtual environment's bin folder.
 */
export async function installProject(root: string): Promise<string> {
  const uvBin = await uv();
  const venv = join(root, '.venv');
  await mustRun(uvBin, ['venv', '--quiet', '--python', 'python3', venv], { cwd: root });
  const python = join(venv, 'bin', 'python');
  await mustRun(uvBin, ['pip', 'install', '--quiet', '--python', python, '-e', '.[dev]'], { cwd: root });
  return join(venv, 'bin');
}

/** A virtual environment holding exactly these requirements (the suite's tools), shared by every spec. */
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
