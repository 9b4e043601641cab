/**
 * The real `yo` CLI, as a new user runs it: `yo forge demo --defaults` (install phase included), then the
 * commands it prints, in the SQLite default. As root, yo switches itself to uid 1000, so the working folders
 * are handed to that user.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { call } from '../support/http.js';
import { withServer } from '../support/project.js';
import { REPO_ROOT } from '../support/paths.js';
import { mustFail, mustRun, uv as findUv } from '../support/python.js';

const YO = join(REPO_ROOT, 'node_modules', '.bin', 'yo');
const IS_ROOT = process.getuid?.() === 0;

describe('e2e: the yo CLI', function () {
  this.timeout(600_000);
  let sandbox = '';
  let work = '';
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    sandbox = mkdtempSync(join(tmpdir(), 'forge-yo-'));
    chmodSync(sandbox, 0o755);
    // yo discovers generator-forge in a node_modules folder above the working directory.
    mkdirSync(join(sandbox, 'node_modules'));
    symlinkSync(REPO_ROOT, join(sandbox, 'node_modules', 'generator-forge'));
    work = join(sandbox, 'work');
    const home = join(sandbox, 'home');
    mkdirSync(work);
    mkdirSync(home);
    if (IS_ROOT) for (const dir of [work, home]) chownSync(dir, 1000, 1000);
    const uv = await findUv();
    const path = uv === 'uv' ? process.env['PATH'] : `${dirname(uv)}:${process.env['PATH']}`;
    env = { ...process.env, HOME: home, PATH: path };
    delete env['DATABASE_URL'];
    delete env['TEST_DATABASE_URL'];
  });

  after(() => rmSync(sandbox, { recursive: true, force: true }));

  it('lists every option in `yo forge --help`', async () => {
    const help = await mustRun(YO, ['forge', '--help'], { cwd: work, env });
    for (const option of [
      '--database',
      '--orm',
      '--docker',
      '--auth',
      '--description',
      '--defaults',
      '--skip-install',
    ]) {
      assert.ok(help.includes(option), `${option} in:\n${help}`);
    }
  });

  it('rejects an unknown option value with a one-line reason and writes nothing', async () => {
    const output = await mustFail(YO, ['forge', 'bad', '--database', 'oracle', '--defaults'], {
      cwd: work,
      env,
    });
    assert.match(output, /Invalid --database "oracle": expected one of sqlite, postgresql, mysql/);
    assert.equal(existsSync(join(work, 'bad')), false);
  });

  it('`yo forge demo --defaults` installs a project whose printed next steps run', async () => {
    const output = await mustRun(YO, ['forge', 'demo', '--defaults'], { cwd: work, env, timeoutMs: 480_000 });
    assert.match(output, /Next steps:/);
    assert.match(output, /alembic upgrade head/);
    // Honest output: files the generators own are created or updated, never "force"d; no word of npm; the
    // install announced, then its commands with their output indented beneath; a summary after the file list.
    assert.doesNotMatch(output, /^\s*force /m);
    assert.doesNotMatch(output, /package\.json/);
    const install = output.indexOf('Installing the Python environment into .venv (uv):');
    assert.ok(install > output.lastIndexOf('create '), output);
    assert.match(
      output.slice(install),
      /^ {2}\$ uv pip install --python \.venv\/bin\/python -e '\.\[dev\]'\n( {4}.*\n)+/m,
    );
    assert.match(output, /Python environment ready in \.venv/);
    assert.match(output, /Created demo in .*: \d+ files written/);
    const project = join(work, 'demo');
    const bin = join(project, '.venv', 'bin');
    assert.ok(existsSync(join(bin, 'uvicorn')), `the install phase created .venv:\n${output}`);

    const projectEnv = { ...env, PATH: `${bin}:${env['PATH']}` };
    await mustRun(join(bin, 'alembic'), ['upgrade', 'head'], { cwd: project, env: projectEnv });
    const tests = await mustRun(join(bin, 'python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
      cwd: project,
      env: projectEnv,
    });
    assert.match(tests, /\d+ passed/);

    await withServer({ root: project, bin, env: projectEnv }, async (base) => {
      assert.equal((await fetch(`${base}/docs`)).status, 200);
      const ada = { username: 'ada', email: 'ada@example.com', password: 'analytical' };
      assert.equal((await call(base, 'POST', '/auth/register', { json: ada })).status, 201);
      const login = await call(base, 'POST', '/auth/login', {
        form: { username: 'ada', password: ada.password },
      });
      assert.equal(login.status, 200, JSON.stringify(login.json));
      const me = await call(base, 'GET', '/users/me', { token: login.json['access_token'] as string });
      assert.equal(me.json['username'], 'ada');
    });
  });
});
