import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTH_FILES } from '../support/expected.js';
import { listFiles, newProject, runGenerator } from '../support/generate.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';

const run = (name: string, project: string, args: string[], options: Record<string, unknown> = {}) =>
  runGenerator(generatorPath(name))
    .withGenerators(FORGE_GENERATORS)
    .cd(project)
    .withArguments(args)
    .withOptions(options);

const read = (project: string, file: string) => readFileSync(join(project, file), 'utf8');
const snapshot = (project: string) => listFiles(project).map((f) => [f, read(project, f)]);
const migrations = (project: string) => readdirSync(join(project, 'alembic', 'versions')).sort();
const SIGNED_IN = 'dependencies=[Depends(get_current_user)]';

/** The revision no other migration of `files` follows. */
function headOf(project: string, files: string[]): string {
  const revisions = files.map((file) => {
    const text = read(project, `alembic/versions/${file}`);
    return [/^revision[^=]*= "(\w+)"/m.exec(text)![1]!, /^down_revision[^=]*= "?(\w+)"?/m.exec(text)![1]!];
  });
  const heads = revisions.filter(([revision]) => !revisions.some(([, down]) => down === revision));
  assert.equal(heads.length, 1, JSON.stringify(revisions));
  return heads[0]![0]!;
}

/** A --no-auth project with a resource referencing users (Post) and an open one (Tag, --public). */
async function openProject(): Promise<string> {
  const project = await newProject('sqlite', 'sqlmodel', { auth: false });
  await run('crud', project, ['Post', 'title:str:max=200', 'author:ref=User:optional:ondelete=set-null']);
  await run('crud', project, ['Tag', 'name:str:max=40'], { public: true });
  return project;
}

describe('forge:auth', () => {
  it('is what `yo forge` composes for authentication: a new project with auth is as forge:auth makes it', async () => {
    const project = await newProject('sqlite', 'sqlmodel');
    for (const file of AUTH_FILES) assert.ok(existsSync(join(project, file)), file);
    const again = snapshot(project);
    await run('auth', project, [], { defaults: true });
    assert.deepEqual(snapshot(project), again, 'forge:auth in a project with auth changes nothing');
  });

  it('adds authentication to a --no-auth project: files, refresh-token migration on the head, sign-in on its resources', async () => {
    const project = await openProject();
    const before = migrations(project);
    const head = headOf(project, before);
    await run('auth', project, [], { defaults: true });

    const rc = JSON.parse(read(project, '.yo-rc.json')) as { 'generator-forge': { auth: boolean } };
    assert.equal(rc['generator-forge'].auth, true);
    for (const file of AUTH_FILES) assert.ok(existsSync(join(project, file)), file);
    const added = migrations(project).filter((name) => !before.includes(name));
    assert.equal(added.length, 1);
    assert.match(added[0]!, /_create_refresh_tokens_table\.py$/);
    assert.equal(headOf(project, migrations(project)), added[0]!.split('_')[2]);
    assert.match(read(project, `alembic/versions/${added[0]}`), new RegExp(`down_revision[^=]*= "${head}"`));
    // The database layer and the frame in their auth form.
    assert.match(
      read(project, 'app/routers/v1/__init__.py'),
      /from app\.routers\.v1 import account, auth, users/,
    );
    assert.match(
      read(project, 'app/models/__init__.py'),
      /from app\.models\.refresh_token import RefreshToken/,
    );
    assert.match(read(project, 'app/core/config.py'), /ACCESS_TOKEN_EXPIRE_MINUTES/);
    // Post now needs a signed-in user; Tag was made --public and stays open.
    assert.ok(read(project, 'app/routers/v1/posts.py').includes(SIGNED_IN));
    assert.ok(!read(project, 'app/routers/v1/tags.py').includes(SIGNED_IN));
    const record = JSON.parse(read(project, '.forge/resources/Post.json')) as {
      public: boolean;
      owner: null;
    };
    assert.deepEqual([record.public, record.owner], [false, null]);

    // Run again, it changes nothing.
    const again = snapshot(project);
    await run('auth', project, [], { defaults: true });
    assert.deepEqual(snapshot(project), again);
  });

  it('--public keeps every resource open; asked when it can ask', async () => {
    const kept = await openProject();
    await run('auth', kept, [], { public: true });
    assert.ok(!read(kept, 'app/routers/v1/posts.py').includes(SIGNED_IN));

    const asked = await openProject();
    const result = await run('auth', asked, []).withAnswers({ secure: false });
    assert.deepEqual(
      result.askedQuestions.map((q) => q.name),
      ['secure'],
    );
    assert.ok(!read(asked, 'app/routers/v1/posts.py').includes(SIGNED_IN));
  });

  it('refuses, writing nothing, when a file it renders again was edited and nothing can ask; --force overwrites', async () => {
    const project = await openProject();
    writeFileSync(join(project, 'app/core/config.py'), `${read(project, 'app/core/config.py')}# mine\n`);
    const before = snapshot(project);
    await assert.rejects(
      run('auth', project, [], { defaults: true, force: false }),
      /Adding authentication renders app\/core\/config\.py again, and they changed since forge wrote them/,
    );
    assert.deepEqual(snapshot(project), before);
    await run('auth', project, [], { defaults: true, force: true });
    assert.ok(!read(project, 'app/core/config.py').includes('# mine'));
    assert.ok(existsSync(join(project, 'app/core/tokens.py')));
  });
});
