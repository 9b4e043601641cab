import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type Generator from 'yeoman-generator';
import type { ForgeConfig } from '../lib/config.js';

interface Step {
  command: string;
  args: string[];
}

function hasCommand(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** `--skip-install`: yo passes it camelCased, a plain argument list keeps the dash. */
export const skipsInstall = (options: object): boolean =>
  (options as Record<string, unknown>)['skipInstall'] === true ||
  (options as Record<string, unknown>)['skip-install'] === true;

/** The commands that create `.venv` and install the project with its dev extra: uv when present, else pip. */
export function installSteps(useUv: boolean): Step[] {
  if (useUv) {
    return [
      { command: 'uv', args: ['venv', '.venv'] },
      { command: 'uv', args: ['pip', 'install', '--python', '.venv/bin/python', '-e', '.[dev]'] },
    ];
  }
  return [
    { command: 'python3', args: ['-m', 'venv', '.venv'] },
    {
      command: '.venv/bin/python',
      args: ['-m', 'pip', 'install', '--disable-pip-version-check', '-e', '.[dev]'],
    },
  ];
}

const INDENT = '    ';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A command as the user would type it: `-e '.[dev]'`, quoted where a shell would expand it. */
const shown = (step: Step) =>
  [step.command, ...step.args].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg}'`)).join(' ');

/**
 * Run one step with its output indented beneath the line that announced it. On a terminal a last line turns
 * while the step runs (pip is silent for long stretches); uv on a terminal draws its own progress instead.
 */
function runStep(step: Step, cwd: string, write: (text: string) => void): Promise<string | undefined> {
  const terminal = process.stderr.isTTY === true;
  if (terminal && step.command === 'uv') {
    const result = spawnSync(step.command, step.args, { cwd, stdio: 'inherit' });
    return Promise.resolve(failure(result.status, result.error));
  }
  return new Promise((resolve) => {
    const started = Date.now();
    let frame = 0;
    const status = () =>
      `${INDENT}${SPINNER[frame++ % SPINNER.length]} ${Math.round((Date.now() - started) / 1000)} s`;
    const clear = terminal ? '\r\x1b[K' : '';
    const ticker = terminal ? setInterval(() => write(`${clear}${status()}`), 100) : undefined;
    let pending = '';
    const output = (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) write(`${clear}${INDENT}${line}\n`);
    };
    const child = spawn(step.command, step.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', output);
    child.stderr.on('data', output);
    const done = (reason: string | undefined) => {
      clearInterval(ticker);
      if (pending !== '') write(`${clear}${INDENT}${pending}\n`);
      else write(clear);
      resolve(reason);
    };
    child.on('error', (error) => done(error.message));
    child.on('close', (code) => done(failure(code, undefined)));
  });
}

const failure = (status: number | null, error: Error | undefined) =>
  error !== undefined ? error.message : status === 0 ? undefined : `exited with ${status ?? 'a signal'}`;

/**
 * Create the project's virtual environment (unless `into` is `existing`: forge:auth adds dependencies to the one
 * there is) and install the project into it: the phase is announced, each command shown with its output beneath,
 * and a last line says how it ended. A failure keeps the project and tells what to run by hand.
 */
export async function installPythonEnvironment(
  generator: Generator,
  projectDir: string,
  into: 'new' | 'existing' = 'new',
): Promise<boolean> {
  const useUv = hasCommand('uv');
  const steps = installSteps(useUv).slice(into === 'new' ? 0 : 1);
  const started = Date.now();
  const write = (text: string) => generator.log.write(text);
  const what = into === 'new' ? 'the Python environment' : 'the new dependencies';
  write(`\nInstalling ${what} into .venv (${useUv ? 'uv' : 'pip'}):\n`);
  for (const step of steps) {
    write(`  $ ${shown(step)}\n`);
    const reason = await runStep(step, projectDir, write);
    if (reason !== undefined) {
      const manual = steps.map((s) => `  ${shown(s)}`).join('\n');
      generator.log.error(
        `Installing the Python environment failed (${step.command} ${reason}). ` +
          `The project is kept; install it by hand from ${projectDir}:\n${manual}`,
      );
      return false;
    }
  }
  generator.log.ok(`Python environment ready in .venv (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return true;
}

/** The server, user and database of DATABASE_URL in the project's .env (the file the app reads). */
function databaseOf(
  projectDir: string,
): { host: string; port: string; user: string; password: boolean; name: string } | undefined {
  const env = join(projectDir, '.env');
  if (!existsSync(env)) return undefined;
  const value = /^DATABASE_URL=(.+)$/m.exec(readFileSync(env, 'utf8'))?.[1]?.trim();
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    const name = decodeURIComponent(url.pathname.slice(1));
    const user = decodeURIComponent(url.username);
    return { host: url.hostname, port: url.port, user, password: url.password !== '', name };
  } catch {
    return undefined;
  }
}

/** The commands to run next, printed at the end: for the database the project's .env names. */
export function nextSteps(config: ForgeConfig, projectDir: string, cwd: string, installed: boolean): string {
  const cd = relative(cwd, projectDir);
  const lines = ['', 'Next steps:'];
  if (cd !== '') lines.push(`  cd ${cd}`);
  if (!installed) lines.push(`  python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'`);
  lines.push('  source .venv/bin/activate');
  const db = config.database === 'sqlite' ? undefined : databaseOf(projectDir);
  if (db !== undefined && config.database === 'postgresql') {
    const port = db.port === '' ? '' : ` -p ${db.port}`;
    lines.push(`  createdb -h ${db.host}${port} -U ${db.user} ${db.name}    # once: DATABASE_URL in .env`);
  } else if (db !== undefined && config.database === 'mysql') {
    const port = db.port === '' ? '' : ` -P ${db.port}`;
    lines.push(
      `  mysql -h ${db.host}${port} -u ${db.user}${db.password ? ' -p' : ''} -e 'CREATE DATABASE ${db.name} CHARACTER SET utf8mb4'    # once: DATABASE_URL in .env`,
    );
  }
  lines.push('  alembic upgrade head');
  if (config.auth) {
    lines.push(
      '  python -m app.cli create-superuser --username admin --email admin@example.com    # asks a password',
    );
  }
  lines.push('  pytest', '  uvicorn app.main:app --reload    # then open http://127.0.0.1:8000/docs', '');
  return lines.join('\n');
}
