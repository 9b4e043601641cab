import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import type Generator from 'yeoman-generator';
import type { ForgeConfig } from '../lib/config.js';

interface Step {
  label: string;
  command: string;
  args: string[];
}

function hasCommand(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The commands that create `.venv` and install the project with its dev extra: uv when present, else pip. */
export function installSteps(useUv: boolean): Step[] {
  if (useUv) {
    return [
      { label: 'Creating .venv (uv)', command: 'uv', args: ['venv', '.venv'] },
      {
        label: 'Installing dependencies (uv)',
        command: 'uv',
        args: ['pip', 'install', '--python', '.venv/bin/python', '-e', '.[dev]'],
      },
    ];
  }
  return [
    { label: 'Creating .venv', command: 'python3', args: ['-m', 'venv', '.venv'] },
    {
      label: 'Installing dependencies (pip)',
      command: '.venv/bin/python',
      args: ['-m', 'pip', 'install', '--progress-bar', 'on', '-e', '.[dev]'],
    },
  ];
}

/**
 * Create the project's virtual environment and install it, showing the installer's own progress. A failure
 * keeps the project and tells what to run by hand.
 */
export async function installPythonEnvironment(generator: Generator, projectDir: string): Promise<void> {
  const steps = installSteps(hasCommand('uv'));
  for (const step of steps) {
    generator.log.info(`${step.label}: ${step.command} ${step.args.join(' ')}`);
    const result = spawnSync(step.command, step.args, { cwd: projectDir, stdio: 'inherit' });
    if (result.status !== 0) {
      const manual = steps.map((s) => `  ${s.command} ${s.args.join(' ')}`).join('\n');
      generator.log.error(
        `Installing the Python environment failed (${step.command} ${result.error?.message ?? `exited with ${result.status}`}). ` +
          `The project is kept; install it by hand from ${projectDir}:\n${manual}`,
      );
      return;
    }
  }
}

/** The commands to run next, printed at the end. */
export function nextSteps(config: ForgeConfig, projectDir: string, cwd: string, installed: boolean): string {
  const cd = relative(cwd, projectDir);
  const lines = ['', 'Next steps:'];
  if (cd !== '') lines.push(`  cd ${cd}`);
  if (!installed) lines.push(`  python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'`);
  lines.push('  source .venv/bin/activate');
  if (config.database === 'postgresql') {
    lines.push(
      `  createdb -h 127.0.0.1 -U postgres ${config.packageName}    # once; see DATABASE_URL in .env`,
    );
  } else if (config.database === 'mysql') {
    lines.push(
      `  mysql -h 127.0.0.1 -u root -e 'CREATE DATABASE ${config.packageName} CHARACTER SET utf8mb4'    # once; see .env`,
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
