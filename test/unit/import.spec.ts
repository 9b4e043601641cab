import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, newProject, runGenerator } from '../support/generate.js';
import { FORGE_GENERATORS, generatorPath, REPO_ROOT } from '../support/paths.js';

const BLOG = join(REPO_ROOT, 'examples', 'blog.yml');

const runImport = (project: string, file?: string, options: Record<string, unknown> = {}) =>
  runGenerator(generatorPath('import'))
    .withGenerators(FORGE_GENERATORS)
    .cd(project)
    .withArguments(file === undefined ? [] : [file])
    .withOptions({ force: false, ...options });

const read = (project: string, file: string) => readFileSync(join(project, file), 'utf8');
const migrations = (project: string) => readdirSync(join(project, 'alembic', 'versions')).sort();
const snapshot = (project: string) =>
  listFiles(project)
    .filter((f) => !f.endsWith('.db'))
    .map((f) => [f, read(project, f)]);

/** A domain file written into the project, for the import to read. */
function domain(project: string, text: string): string {
  writeFileSync(join(project, 'domain.yml'), text);
  return 'domain.yml';
}

describe('forge:import', () => {
  it('imports examples/blog.yml: every model and resource, one migration for all; again, nothing changes', async () => {
    const project = await newProject();
    const before = migrations(project);
    await runImport(project, BLOG);
    for (const name of ['Tag', 'Post', 'Comment', 'Profile']) {
      assert.ok(listFiles(project).includes(`.forge/models/${name}.json`), name);
      assert.ok(listFiles(project).includes(`.forge/resources/${name}.json`), name);
    }
    const added = migrations(project).filter((f) => !before.includes(f));
    assert.equal(added.length, 1, added.join(', '));
    assert.match(added[0]!, /_import_blog_yml\.py$/);
    const migration = read(project, `alembic/versions/${added[0]!}`);
    assert.match(
      migration,
      /In order:\n- create tags table\n- create posts table\n- create post_tags table\n- create comments table\n- create profiles table\n/,
    );
    // Upgrade in the file's order; downgrade in reverse, the association table before the posts.
    const drops = [...migration.matchAll(/op\.drop_table\("(\w+)"\)/g)].map((m) => m[1]);
    assert.deepEqual(drops, ['profiles', 'comments', 'post_tags', 'posts', 'tags']);
    const post = JSON.parse(read(project, '.forge/resources/Post.json')) as { owner?: string };
    assert.equal(post.owner, 'author_id');
    assert.match(read(project, 'app/schemas/post.py'), /tag_ids: list\[Int32\]/);
    const files = snapshot(project);
    await runImport(project, BLOG);
    assert.deepEqual(snapshot(project), files);
  });

  it('applies an edited file as a difference: renamed, removed, added, changed; one migration', async () => {
    const project = await newProject();
    await runImport(project, BLOG);
    const before = migrations(project);
    const edited = readFileSync(BLOG, 'utf8')
      .replace(
        '      body: text\n      published: bool:default=false\n',
        '      content: text\n      views: int:default=0\n',
      )
      .replace(
        '    crud:\n      owner: author\n\n  Comment',
        '    renamed:\n      body: content\n    crud:\n      owner: author\n\n  Comment',
      )
      .replace('name: str:max=40:unique', 'name: str:max=60:unique');
    await assert.rejects(
      runImport(project, domain(project, edited), { defaults: true }),
      /^Error: domain\.yml removes Post\.published and its data; re-run with --force to confirm\.$/,
    );
    assert.deepEqual(migrations(project), before);
    // Asked, and answered yes (--force would not ask).
    await runImport(project, 'domain.yml').withAnswers({ confirmed: true });
    const added = migrations(project).filter((f) => !before.includes(f));
    assert.equal(added.length, 1, added.join(', '));
    const migration = read(project, `alembic/versions/${added[0]!}`);
    assert.match(
      migration,
      /In order:\n- change name in tags\n- rename body to content in posts\n- remove published in posts\n- add views to posts\n/,
    );
    assert.match(migration, /The values of posts\.published are deleted by upgrade\(\)/);
    const spec = JSON.parse(read(project, '.forge/models/Post.json')) as { fields: { name: string }[] };
    assert.deepEqual(
      spec.fields.map((f) => f.name),
      ['title', 'content', 'author_id', 'views'],
    );
  });

  it('refuses a file with errors, listing each with its line; nothing is written', async () => {
    const project = await newProject();
    const files = snapshot(project);
    const path = domain(
      project,
      [
        'models:', // 1
        '  Post:', // 2
        '    fields:', // 3
        '      title: strin', // 4
        '      author: ref=Usr', // 5
        '      a: ref=B', // 6
        '    colour: red', // 7
        '    renamed: { head: headline }', // 8
        '    crud: { owner: title }', // 9
        '  B:', // 10
        '    fields:', // 11
        '      post: ref=Post', // 12
        '  User:', // 13
        '    fields: {}', // 14
        '',
      ].join('\n'),
    );
    const files2 = snapshot(project);
    await assert.rejects(runImport(project, path), (error: Error) => {
      const lines = error.message.split('\n');
      assert.match(lines[0]!, /domain\.yml has errors:/);
      for (const expected of [
        /^domain\.yml:4: Post: .*strin/,
        /^domain\.yml:7: Post: unknown key "colour"/,
        /^domain\.yml:8: Post\.renamed: "headline" is not among the fields of Post/,
        /^domain\.yml:9: Post\.crud\.owner: "title" must be a field of Post with ref=User/,
        /^domain\.yml:13: User is an authentication model/,
        /^domain\.yml:5: Post\.author: no model "Usr"; did you mean User\?/,
        /^domain\.yml:2: required references form a cycle \(Post -> B -> Post\)/,
      ]) {
        assert.ok(
          lines.some((line) => expected.test(line)),
          `${String(expected)} in:\n${error.message}`,
        );
      }
      return true;
    });
    assert.deepEqual(snapshot(project), files2);
    assert.equal(files2.length, files.length + 1);
  });

  it('refuses, with the line of the model, what a generator refuses; nothing is written', async () => {
    const project = await newProject();
    await runImport(project, BLOG);
    const files = snapshot(project);
    const path = domain(
      project,
      readFileSync(BLOG, 'utf8').replace('body: text\n      published', 'body: json\n      published'),
    );
    await assert.rejects(
      runImport(project, path),
      /^Error: domain\.yml:13: Post: Field "body" of Post: the databases cannot convert text to json/,
    );
    assert.deepEqual(snapshot(project), [...files, ['domain.yml', read(project, 'domain.yml')]].sort());
  });

  it('refuses without a file, or a file that does not exist', async () => {
    const project = await newProject();
    await assert.rejects(runImport(project), /forge:import needs a domain file/);
    await assert.rejects(runImport(project, 'nope.yml'), /nope\.yml: no such file/);
  });
});
