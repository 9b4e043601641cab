import { comparePrefixes, includeRouter } from '../../src/lib/registry.js';
import assert from 'node:assert/strict';
import { DATABASES, parseChoice } from '../../src/lib/config.js';
import {
  closestName,
  editDistance,
  unknownModel,
  pluralize,
  singularize,
  withArticle,
  projectNameError,
  toPackageName,
  toPascalCase,
  toSnakeCase,
} from '../../src/lib/names.js';
import { insertAtNeedle, NeedleError } from '../../src/lib/python.js';
import { pyString } from '../../src/lib/render.js';

describe('lib/names', () => {
  it('accepts directory-and-package-friendly project names', () => {
    for (const name of ['api', 'my-api', 'my_api', 'Api2', 'a-b-c'])
      assert.equal(projectNameError(name), undefined, name);
  });

  it('explains what is wrong with a bad project name', () => {
    assert.match(projectNameError('')!, /empty/);
    assert.match(projectNameError('-api')!, /starting with a letter/);
    assert.match(projectNameError('my--api')!, /Invalid project name/);
    assert.match(projectNameError('api!')!, /Invalid project name/);
    assert.match(projectNameError('import')!, /Python keyword/);
    assert.match(projectNameError('tests')!, /shadow/);
    assert.match(projectNameError('a'.repeat(49))!, /longer than 48/);
  });

  it('derives names', () => {
    assert.equal(toPackageName('My-Api'), 'my_api');
    assert.equal(toSnakeCase('BlogPost'), 'blog_post');
    assert.equal(toSnakeCase('HTTPRequest'), 'http_request');
    assert.equal(toPascalCase('blog_post'), 'BlogPost');
    assert.equal(pluralize('post'), 'posts');
    assert.deepEqual(
      ['Post', 'Article', 'Event', 'Item', 'Order', 'User', 'Unit', 'Update', 'Usage'].map(withArticle),
      ['a Post', 'an Article', 'an Event', 'an Item', 'an Order', 'a User', 'a Unit', 'an Update', 'a Usage'],
    );
    assert.equal(pluralize('category'), 'categories');
    for (const [plural, singular] of [
      ['tags', 'tag'],
      ['categories', 'category'],
      ['boxes', 'box'],
      ['classes', 'class'],
      ['matches', 'match'],
      ['staff', 'staff'],
    ]) {
      assert.equal(singularize(plural!), singular, plural);
    }
    assert.equal(pluralize('address'), 'addresses');
    assert.equal(pluralize('day'), 'days');
  });
});

describe('lib/names: the closest name', () => {
  it('counts edits, ignoring case', () => {
    assert.equal(editDistance('Usr', 'User'), 1);
    assert.equal(editDistance('post', 'Post'), 0);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'Tag'), 3);
  });

  it('suggests a name a typo away, or lists the models', () => {
    assert.equal(closestName('Usr', ['Post', 'User', 'RefreshToken']), 'User');
    assert.equal(closestName('Catgory', ['Category', 'Tag']), 'Category');
    assert.equal(closestName('Nobody', ['Post', 'User']), undefined);
    assert.equal(unknownModel('Usr', ['Post', 'User']), 'no model "Usr"; did you mean User?');
    assert.equal(unknownModel('Nobody', ['Post', 'User']), 'no model "Nobody"; models: Post, User.');
  });
});

describe('lib/config', () => {
  it('parses a choice case-insensitively and lists the valid ones otherwise', () => {
    assert.equal(parseChoice('database', ' PostgreSQL ', DATABASES), 'postgresql');
    assert.throws(
      () => parseChoice('database', 'oracle', DATABASES),
      /expected one of sqlite, postgresql, mysql/,
    );
    assert.throws(() => parseChoice('database', true, DATABASES), /Invalid --database "true"/);
  });
});

describe('lib/python needles', () => {
  const file = [
    'from app.routers.v1 import users',
    '',
    'api_router = APIRouter()',
    '    # forge-needle-x',
    'end',
  ].join('\n');

  it('inserts above the needle with its indentation', () => {
    const out = insertAtNeedle(file, 'forge-needle-x', ['api_router.include_router(posts.router)']);
    assert.equal(out.split('\n')[3], '    api_router.include_router(posts.router)');
    assert.equal(out.split('\n')[4], '    # forge-needle-x');
  });

  it('is idempotent', () => {
    const once = insertAtNeedle(file, 'forge-needle-x', ['a = 1', 'b = 2']);
    assert.equal(insertAtNeedle(once, 'forge-needle-x', ['a = 1', 'b = 2']), once);
  });

  it('fails clearly when the needle is gone', () => {
    assert.throws(
      () => insertAtNeedle('x = 1\n', 'forge-needle-x', ['y = 2'], 'app/routers/v1/__init__.py'),
      (error: unknown) =>
        error instanceof NeedleError &&
        /app\/routers\/v1\/__init__\.py.*"# forge-needle-x" is missing/.test(error.message),
    );
  });
});

describe('lib/registry', () => {
  it('includes a router before the router whose path it extends, the others alphabetically', () => {
    const prefixes = ['/posts', '/blog', '/blog/posts', '/comments', '/blog/posts/archive'];
    assert.deepEqual(prefixes.sort(comparePrefixes), [
      '/blog/posts/archive',
      '/blog/posts',
      '/blog',
      '/comments',
      '/posts',
    ]);
  });

  it('keeps the resource includes above the needle ordered by prefix', () => {
    const text = ['api_router.include_router(users.router)', '# forge-needle-router-includes', ''].join('\n');
    const prefixes = new Map([
      ['posts', '/posts'],
      ['archive', '/posts/archive'],
      ['comments', '/comments'],
    ]);
    let content = text;
    for (const table of ['posts', 'comments', 'archive', 'posts'])
      content = includeRouter(content, table, prefixes);
    assert.equal(
      content,
      [
        'api_router.include_router(users.router)',
        'api_router.include_router(comments_router)',
        'api_router.include_router(archive_router)',
        'api_router.include_router(posts_router)',
        '# forge-needle-router-includes',
        '',
      ].join('\n'),
    );
  });
});

describe('lib/render pyString', () => {
  it('quotes as ruff format does: double quotes unless single ones need fewer escapes', () => {
    assert.equal(pyString('plain'), '"plain"');
    assert.equal(pyString("it's"), '"it\'s"');
    assert.equal(pyString('say "hi"'), '\'say "hi"\'');
    assert.equal(pyString('a "b" \\ c'), '\'a "b" \\\\ c\'');
    assert.equal(pyString(`"it's"`), `'"it\\'s"'`);
  });
});
