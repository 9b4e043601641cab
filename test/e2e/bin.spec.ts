/**
 * The generator-forge bin as a user installs it: `npm pack`, then `npm install -g` of the tarball into a fresh
 * prefix; the installed command makes a project, a resource and the shipped examples/blog.yml domain, in a folder
 * of whoever runs it (root included: no uid switch).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import { mustRun, run } from '../support/python.js';

describe('e2e: the generator-forge bin, installed from a packed tarball', function () {
  this.timeout(300_000);
  const sandbox = mkdtempSync(join(tmpdir(), 'forge-bin-'));
  const prefix = join(sandbox, 'prefix');
  const work = join(sandbox, 'work');
  const bin = join(prefix, 'bin', 'generator-forge');
  const identity = { GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com' };
  const env = {
    ...process.env,
    npm_config_prefix: prefix,
    ...identity,
    GIT_COMMITTER_NAME: identity.GIT_AUTHOR_NAME,
    GIT_COMMITTER_EMAIL: identity.GIT_AUTHOR_EMAIL,
  };

  before(async () => {
    mkdirSync(work);
    // The generators are built by the test command already; packing must not rebuild them under other specs.
    await mustRun('npm', ['pack', '--ignore-scripts', '--pack-destination', sandbox], { cwd: REPO_ROOT });
    const [tarball] = readdirSync(sandbox).filter((name) => name.endsWith('.tgz'));
    await mustRun(
      'npm',
      ['install', '--global', '--ignore-scripts', '--no-audit', '--no-fund', join(sandbox, tarball!)],
      {
        cwd: sandbox,
        env,
      },
    );
  });

  after(() => rmSync(sandbox, { recursive: true, force: true }));

  it('runs from the prefix: version, a project, a resource, the shipped example domain', async () => {
    assert.match(await mustRun(bin, ['--version'], { cwd: work, env }), /^\d+\.\d+\.\d+\n$/);
    await mustRun(bin, ['new', 'shop', '--defaults', '--skip-install', '--database', 'postgresql'], {
      cwd: work,
      env,
    });
    const project = join(work, 'shop');
    assert.ok(existsSync(join(project, 'app', 'main.py')));
    assert.ok(existsSync(join(project, '.github', 'workflows', 'ci.yml')));
    const git = (...args: string[]) => mustRun('git', args, { cwd: project, env });
    assert.equal(await git('log', '--format=%s'), 'Initial commit from generator-forge\n');
    await mustRun(bin, ['crud', 'Product', 'name:str:max=80:unique', 'price:decimal'], { cwd: project, env });
    assert.ok(existsSync(join(project, 'app', 'routers', 'v1', 'products.py')));
    // What a generator changed is a diff to review against the initial commit.
    assert.match(await git('status', '--porcelain'), /^\?\? app\/routers\/v1\/products\.py$/m);
    const example = join(prefix, 'lib', 'node_modules', 'generator-forge', 'examples', 'blog.yml');
    const imported = await mustRun(bin, ['import', example], { cwd: project, env });
    assert.doesNotMatch(imported, /error/i);
    assert.ok(existsSync(join(project, 'app', 'routers', 'v1', 'posts.py')));
    assert.ok(
      readdirSync(join(project, 'alembic', 'versions')).some((name) => name.endsWith('_import_blog_yml.py')),
    );
  });

  it('refuses bad input in one line with exit 1', async () => {
    const { status, output } = await run(bin, ['model', 'Post'], { cwd: work, env });
    assert.equal(status, 1, output);
    assert.match(output, /^error: Not inside a forge project: no \.yo-rc\.json/);
    assert.equal(output.trim().split('\n').length, 1, output);
  });
});
