/**
 * The generator-forge bin (generators/cli.js, built from src/cli.ts), run as a user runs it: exit codes, one-line
 * errors, help without Yeoman's generic options, Ctrl-C and a cancel at a question (in a terminal, through
 * util-linux's `script`).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATORS, REPO_ROOT } from '../support/paths.js';

const BIN = join(GENERATORS, 'cli.js');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

function forge(args: string[], cwd: string) {
  const result = spawnSync(BIN, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Run the bin in a terminal (util-linux `script`), typing `keys` after a second; its exit status and output. */
function inTerminal(args: string[], cwd: string, keys: string) {
  const command = [BIN, ...args].map((arg) => `'${arg}'`).join(' ');
  const result = spawnSync(
    'bash',
    ['-c', `(sleep 1.5; printf '${keys}'; sleep 1) | script -qefc "${command}" /dev/null`],
    {
      cwd,
      encoding: 'utf8',
    },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * Run the bin in a terminal (util-linux `script`) and answer like a user: for each step, wait until the screen
 * shows `text` (colours left out), then type `keys`. Its exit status and what it showed.
 */
async function converse(args: string[], cwd: string, steps: [text: RegExp, keys: string][]) {
  const command = [BIN, ...args].map((arg) => `'${arg}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const screen = () => output.replace(ANSI, '');
  let seen = 0;
  try {
    for (const [text, keys] of steps) {
      const deadline = Date.now() + 20_000;
      while (!text.test(screen().slice(seen))) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`Waited for ${String(text)}; the terminal showed:\n${screen().slice(seen)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      seen = screen().length;
      child.stdin.write(keys);
    }
    const status = await Promise.race([
      exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running')), 20_000)),
    ]);
    return { status, output: screen() };
  } finally {
    child.stdin.end();
    if (child.exitCode === null) child.kill();
  }
}

describe('the generator-forge bin', function () {
  this.timeout(60_000);
  const work = mkdtempSync(join(tmpdir(), 'forge-cli-'));
  const project = join(work, 'api');

  it('prints its version and its commands', () => {
    assert.deepEqual(forge(['--version'], work), { status: 0, stdout: `${VERSION}\n`, stderr: '' });
    const help = forge(['--help'], work);
    assert.equal(help.status, 0);
    for (const command of ['new [name]', 'model <Name>', 'crud <Name>', 'import <domain.yml>', 'docker']) {
      assert.ok(help.stdout.includes(command), command);
    }
  });

  it("shows a command's own help, without Yeoman's options that mean nothing here", () => {
    const help = forge(['model', '--help'], work);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /generator-forge model \[<name>\] \[<fields>\] \[options\]/);
    assert.match(help.stdout, /--rename/);
    assert.doesNotMatch(help.stdout, /--skip-cache|--force-install|--ask-answered|yo forge/);
  });

  it('refuses an unknown command in one line, exit 1', () => {
    const result = forge(['nope'], work);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^error: unknown command "nope"; commands: new, model, crud, import, auth, email, redis, metrics, docker/,
    );
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('makes a project and a model; refused input is one line on stderr, exit 1, nothing else said', () => {
    const created = forge(['new', 'api', '--defaults', '--skip-install'], work);
    assert.equal(created.status, 0, created.stderr);
    assert.ok(existsSync(join(project, 'app', 'main.py')));
    assert.equal(forge(['model', 'Post', 'title:str', 'body:text'], project).status, 0);
    const refused = forge(['model', 'Post', 'title:int'], project);
    assert.equal(refused.status, 1);
    assert.equal(
      refused.stderr,
      `error: Field "title" of Post already exists with another definition: pass --change to give it the new one (a migration alters the column).\n`,
    );
    assert.doesNotMatch(refused.stdout, /error occured/);
    const invalid = forge(['new', 'bad', '--database', 'oracle', '--defaults'], work);
    assert.deepEqual(
      [invalid.status, invalid.stderr],
      [1, 'error: Invalid --database "oracle": expected one of sqlite, postgresql, mysql.\n'],
    );
    assert.equal(existsSync(join(work, 'bad')), false);
  });

  it('labels each file for what happens to it, never "force", and reports after the list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forge-cli-'));
    const created = forge(['new', 'shop', '--defaults', '--skip-install', '--no-git'], dir);
    assert.match(created.stderr, /^ +create shop\/\.yo-rc\.json$/m);
    assert.match(created.stderr, /^ +create shop\/\.forge\/models\/User\.json$/m);
    assert.match(created.stderr, /Created shop in .*: \d+ files written\n/);
    const shop = join(dir, 'shop');
    assert.equal(forge(['crud', 'Post', 'title:str'], shop).status, 0);
    const changed = forge(['model', 'Post', 'body:text:optional'], shop);
    assert.equal(changed.status, 0, changed.stderr);
    const output = changed.stderr;
    for (const line of [
      /^ +update \.forge\/models\/Post\.json$/m,
      /^ +update app\/models\/post\.py$/m,
      /^ +update app\/schemas\/post\.py$/m,
      /^identical app\/routers\/v1\/posts\.py$/m,
      /^ +create alembic\/versions\/\w+_add_body_to_posts\.py$/m,
    ]) {
      assert.match(output, line);
    }
    assert.doesNotMatch(output + created.stderr, /^ +force /m);
    // What was done comes after the files, not before them.
    assert.ok(output.lastIndexOf('Migration alembic/versions/') > output.lastIndexOf('update '), output);
  });

  it('exits 130 on Ctrl-C at a question, and 0 when the user answers no', () => {
    const interrupted = inTerminal(['new'], work, '\\003');
    assert.equal(interrupted.status, 130, interrupted.output);
    assert.match(interrupted.output, /interrupted/);
    const cancelled = inTerminal(['model', 'Post', '--remove', 'title'], project, '\\r');
    assert.equal(cancelled.status, 0, cancelled.output);
    assert.match(cancelled.output, /Nothing changed: cancelled/);
    assert.match(readFileSync(join(project, 'app', 'models', 'post.py'), 'utf8'), /title/);
  });

  it('asks for a model in a terminal: its name, a field, its type and modifiers, then writes it', async () => {
    const down = '\x1b[B';
    const result = await converse(['model'], project, [
      [/Model name/, 'Note\r'],
      [/First field name/, 'views\r'],
      [/Type of views/, down],
      [/❯ text/, down],
      [/❯ int/, '\r'],
      [/Modifiers of views/, down],
      [/❯◯ unique/, down],
      [/❯◯ index/, down],
      [/❯◯ default/, ' '],
      [/❯◉ default/, '\r'],
      [/default: value of views/, '3\r'],
      [/Next field name/, '\r'],
      [/Create the model with views:int:default=3\?/, 'y\r'],
    ]);
    assert.equal(result.status, 0, result.output);
    assert.match(
      readFileSync(join(project, 'app', 'models', 'note.py'), 'utf8'),
      /views: int = Field\(default=3, sa_column_kwargs=\{"server_default": text\("3"\)\}\)/,
    );
    assert.ok(existsSync(join(project, '.forge', 'models', 'Note.json')));
  });
});
