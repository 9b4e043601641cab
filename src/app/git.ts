import { spawnSync } from 'node:child_process';
import type Generator from 'yeoman-generator';

const git = (cwd: string, ...args: string[]) =>
  spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Make a new project a git repository with one initial commit, on `main` (the branch its CI workflow runs on).
 * Nothing happens without git, or inside a repository already (a re-run, a monorepo). Without a git identity
 * the repository is made and the files staged, and the log says how to commit them.
 */
export function initRepository(generator: Generator, projectDir: string): void {
  if (git(projectDir, '--version').status !== 0) {
    generator.log.info('git: not found; the project is no repository (git init, when you have git)');
    return;
  }
  const inside = git(projectDir, 'rev-parse', '--show-toplevel');
  if (inside.status === 0) {
    generator.log.info(`git: inside the repository ${inside.stdout.trim()}; nothing committed`);
    return;
  }
  for (const args of [
    ['init', '--quiet', '--initial-branch=main'],
    ['add', '--all'],
  ]) {
    const step = git(projectDir, ...args);
    if (step.status !== 0) {
      generator.log.error(`git ${args[0]} failed: ${step.stderr.trim()}`);
      return;
    }
  }
  const commit = git(projectDir, 'commit', '--quiet', '--message', 'Initial commit from generator-forge');
  if (commit.status === 0) {
    generator.log.ok('git: a repository on main, with the initial commit');
  } else if (/user\.(name|email)|identity/i.test(commit.stderr)) {
    generator.log.info(
      'git: a repository with every file staged; set your name and email (git config --global user.name ...; user.email ...), then: git commit -m "Initial commit"',
    );
  } else {
    generator.log.error(`git commit failed: ${commit.stderr.trim()}`);
  }
}
