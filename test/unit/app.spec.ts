import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yeomanAssert from 'yeoman-assert';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import { AUTH_FILES } from '../support/expected.js';
import { listFiles, runApp, runGenerator } from '../support/generate.js';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('forge (app)', () => {
  describe('with --defaults', () => {
    it('asks nothing and writes an SQLite + SQLModel project into ./<name>', async () => {
      const result = await runApp()
        .withArguments(['my-api'])
        .withOptions({ defaults: true, skipInstall: true });
      assert.deepEqual(result.askedQuestions, []);
      const project = join(result.cwd, 'my-api');
      yeomanAssert.file(
        ['app/main.py', 'app/core/database/sqlite.py', 'alembic/env.py', 'pyproject.toml'].map((f) =>
          join(project, f),
        ),
      );
      assert.deepEqual(readJson(join(project, '.yo-rc.json'))['generator-forge'], {
        projectName: 'my-api',
        packageName: 'my_api',
        description: 'A FastAPI service with an async database layer.',
        database: 'sqlite',
        orm: 'sqlmodel',
        docker: false,
        auth: true,
        email: false,
        redis: false,
        metrics: false,
      });
    });

    it('uses the default name when none is given', async () => {
      const result = await runApp().withOptions({ defaults: true, skipInstall: true });
      yeomanAssert.file(join(result.cwd, 'my-api', 'app', 'main.py'));
    });
  });

  describe('prompting', () => {
    it('asks every question when no option answers it, and stores the answers', async () => {
      const result = await runApp()
        .withAnswers({
          projectName: 'shop-api',
          description: 'Shop',
          database: 'postgresql',
          orm: 'sqlalchemy',
          docker: false,
          auth: false,
          redis: false,
          metrics: true,
        })
        .withOptions({ skipInstall: true });
      assert.deepEqual(
        result.askedQuestions.map((q) => q.name),
        ['projectName', 'description', 'database', 'orm', 'docker', 'auth', 'redis', 'metrics'],
      );
      const config = readJson(join(result.cwd, 'shop-api', '.yo-rc.json'))['generator-forge'] as Record<
        string,
        unknown
      >;
      assert.equal(config['database'], 'postgresql');
      assert.equal(config['orm'], 'sqlalchemy');
      assert.equal(config['auth'], false);
      assert.equal(config['metrics'], true);
      yeomanAssert.file(join(result.cwd, 'shop-api', 'app', 'core', 'database', 'postgresql.py'));
      yeomanAssert.file(join(result.cwd, 'shop-api', 'app', 'core', 'metrics.py'));
    });

    it('asks only what the options leave open', async () => {
      const result = await runApp()
        .withArguments(['api'])
        .withOptions({ database: 'mysql', orm: 'sqlmodel', description: 'x', auth: true, skipInstall: true })
        .withAnswers({ docker: false, email: true, redis: false, metrics: false });
      assert.deepEqual(
        result.askedQuestions.map((q) => q.name),
        ['docker', 'email', 'redis', 'metrics'],
      );
    });

    it('marks PostgreSQL as the production choice and defaults to SQLite', async () => {
      const { questions } = await import('../../src/app/prompts.js');
      const database = questions(new Set(['database']), {}).find((q) => q.name === 'database')!;
      assert.equal(database.default, 'sqlite');
      assert.match(JSON.stringify(database.choices), /PostgreSQL[^"]*production/);
    });
  });

  describe('destination', () => {
    it('"." generates into the current directory, named after it', async () => {
      const parent = mkdtempSync(join(tmpdir(), 'forge-unit-'));
      const dir = join(parent, 'inventory-api');
      mkdirSync(dir);
      await runApp(dir).withArguments(['.']).withOptions({ defaults: true, skipInstall: true });
      yeomanAssert.file(join(dir, 'app', 'main.py'));
      yeomanAssert.fileContent(join(dir, 'pyproject.toml'), /name = "inventory-api"/);
    });

    it('refuses a directory that exists and is not a forge project', async () => {
      const parent = mkdtempSync(join(tmpdir(), 'forge-unit-'));
      mkdirSync(join(parent, 'taken'));
      writeFileSync(join(parent, 'taken', 'notes.txt'), 'mine');
      await assert.rejects(
        runApp(parent).withArguments(['taken']).withOptions({ defaults: true, skipInstall: true }),
        /already exists and is not a forge project/,
      );
      assert.deepEqual(readdirSync(join(parent, 'taken')), ['notes.txt']);
    });
  });

  describe('re-run in an existing project', () => {
    it('asks nothing it knows, keeps .env, and refuses to switch the database', async () => {
      const first = await runApp().withArguments(['api']).withOptions({
        database: 'postgresql',
        orm: 'sqlalchemy',
        defaults: true,
        skipInstall: true,
      });
      const dotenv = readFileSync(join(first.cwd, 'api', '.env'), 'utf8');
      const again = await runApp(first.cwd)
        .withArguments(['api'])
        .withOptions({ skipInstall: true, force: true });
      assert.deepEqual(again.askedQuestions, []);
      assert.equal(readFileSync(join(first.cwd, 'api', '.env'), 'utf8'), dotenv);
      await assert.rejects(
        runApp(first.cwd).withArguments(['api']).withOptions({ database: 'mysql', skipInstall: true }),
        /is a postgresql project; changing --database to mysql is not supported/,
      );
    });
    it('changes no file in a project that has resources (the registry and the router aggregator included)', async () => {
      const first = await runApp().withArguments(['api']).withOptions({ defaults: true, skipInstall: true });
      const root = join(first.cwd, 'api');
      const crud = (args: string[]) =>
        runGenerator(generatorPath('crud'))
          .withGenerators(FORGE_GENERATORS)
          .cd(root)
          .withArguments(args)
          .withOptions({ defaults: true });
      await crud(['Post', 'title:str', 'author:ref=User']);
      await crud(['Comment', 'body:text', 'post:ref=Post', 'parent:ref=Comment:optional']);
      const snapshot = () =>
        new Map(listFiles(root).map((file) => [file, readFileSync(join(root, file), 'utf8')]));
      const before = snapshot();
      await runApp(first.cwd).withArguments(['api']).withOptions({ skipInstall: true, force: true });
      const after = snapshot();
      assert.deepEqual([...after.keys()], [...before.keys()]);
      const changed = [...after].filter(([file, text]) => before.get(file) !== text).map(([file]) => file);
      assert.deepEqual(changed, []);
    });
  });

  describe('--auth / --no-auth', () => {
    it('is on by default: the auth files, the refresh-token table and its migration', async () => {
      const result = await runApp().withArguments(['api']).withOptions({ defaults: true, skipInstall: true });
      const project = join(result.cwd, 'api');
      yeomanAssert.file(AUTH_FILES.map((file) => join(project, file)));
      yeomanAssert.fileContent(
        join(project, 'app/models/__init__.py'),
        /^from app\.models\.refresh_token import RefreshToken$/m,
      );
      yeomanAssert.fileContent(join(project, 'pyproject.toml'), /"pyjwt>=/);
      yeomanAssert.fileContent(join(project, '.env'), /^ACCESS_TOKEN_EXPIRE_MINUTES=15$/m);
      const migrations = readdirSync(join(project, 'alembic', 'versions'));
      assert.equal(migrations.length, 2);
      assert.ok(migrations.some((file) => file.endsWith('_create_refresh_tokens_table.py')));
    });

    it('--no-auth writes none of them and keeps the users router open', async () => {
      const result = await runApp()
        .withArguments(['api'])
        .withOptions({ auth: false, defaults: true, skipInstall: true });
      const project = join(result.cwd, 'api');
      yeomanAssert.noFile(AUTH_FILES.map((file) => join(project, file)));
      yeomanAssert.noFileContent(join(project, 'app/routers/v1/users.py'), /superuser/);
      yeomanAssert.noFileContent(join(project, 'pyproject.toml'), /pyjwt/);
      yeomanAssert.noFileContent(join(project, 'app/models/__init__.py'), /RefreshToken/);
      // No Authorization header to let through or WWW-Authenticate to expose.
      yeomanAssert.fileContent(
        join(project, 'app/core/middleware.py'),
        /^CORS_HEADERS = \("Content-Type", REQUEST_ID_HEADER\)$/m,
      );
      yeomanAssert.noFileContent(join(project, 'app/core/middleware.py'), /WWW-Authenticate/);
      assert.equal(
        (readJson(join(project, '.yo-rc.json'))['generator-forge'] as { auth: boolean }).auth,
        false,
      );
      assert.equal(readdirSync(join(project, 'alembic', 'versions')).length, 1);
    });

    it('is not switched by a re-run: forge:auth adds it', async () => {
      const first = await runApp()
        .withArguments(['api'])
        .withOptions({ auth: false, defaults: true, skipInstall: true });
      await assert.rejects(
        runApp(first.cwd).withArguments(['api']).withOptions({ auth: true, skipInstall: true }),
        /has no authentication; add it with: yo forge:auth/,
      );
    });

    it('counts as off in a project made before the option existed', async () => {
      const first = await runApp()
        .withArguments(['api'])
        .withOptions({ auth: false, defaults: true, skipInstall: true });
      const rc = join(first.cwd, 'api', '.yo-rc.json');
      const stored = readJson(rc) as { 'generator-forge': Record<string, unknown> };
      delete stored['generator-forge']['auth'];
      writeFileSync(rc, JSON.stringify(stored));
      const again = await runApp(first.cwd)
        .withArguments(['api'])
        .withOptions({ skipInstall: true, force: true });
      assert.deepEqual(again.askedQuestions, []);
      yeomanAssert.noFile(join(first.cwd, 'api', 'app', 'core', 'tokens.py'));
    });
  });

  describe('secrets', () => {
    it('writes a random SECRET_KEY into .env and a placeholder into .env.example', async () => {
      const one = await runApp().withArguments(['a']).withOptions({ defaults: true, skipInstall: true });
      const two = await runApp().withArguments(['a']).withOptions({ defaults: true, skipInstall: true });
      const secret = (dir: string, file: string) =>
        /^SECRET_KEY=(.+)$/m.exec(readFileSync(join(dir, 'a', file), 'utf8'))![1]!;
      assert.ok(secret(one.cwd, '.env').length >= 64);
      assert.notEqual(secret(one.cwd, '.env'), secret(two.cwd, '.env'));
      assert.match(secret(one.cwd, '.env.example'), /^change-me/);
      yeomanAssert.fileContent(join(one.cwd, 'a', '.gitignore'), /^\.env$/m);
    });
  });

  describe('logging', () => {
    it('is configured once, in app/core/logging.py, with a request id outside every other middleware', async () => {
      const result = await runApp().withArguments(['api']).withOptions({ defaults: true, skipInstall: true });
      const read = (file: string) => readFileSync(join(result.cwd, 'api', file), 'utf8');
      const main = read('app/main.py');
      assert.doesNotMatch(main, /basicConfig/);
      // At import, and again in the lifespan (uvicorn.run(app) configures its loggers after the import).
      assert.equal(main.match(/configure_logging\(settings\.LOG_LEVEL, settings\.log_format\)/g)?.length, 2);
      const cors = main.indexOf('CORSMiddleware,\n');
      const requestId = main.indexOf('application.add_middleware(RequestIdMiddleware)');
      assert.ok(cors > 0 && requestId > cors, 'RequestIdMiddleware added last, so it runs first');
      const middleware = read('app/core/middleware.py');
      assert.match(middleware, /^CORS_EXPOSED_HEADERS = \(.*REQUEST_ID_HEADER\)$/m);
      assert.match(middleware, /^SANE_REQUEST_ID = re\.compile\(r"\[A-Za-z0-9\._-\]\{1,128\}"\)$/m);
      assert.match(read('app/core/errors.py'), /headers\[REQUEST_ID_HEADER\] = current/);
      assert.match(read('app/core/logging.py'), /^UVICORN_ACCESS_LOGGER = "uvicorn.access"$/m);
      assert.match(read('app/core/config.py'), /^ {4}LOG_FORMAT: LogFormat \| None = None$/m);
      // Commented out: an empty LOG_FORMAT= would be the default anyway, a set one would win in production.
      assert.match(read('.env.example'), /^# LOG_FORMAT=json$/m);
      assert.doesNotMatch(read('.env'), /^LOG_FORMAT=/m);
      assert.match(read('README.md'), /^\| `LOG_FORMAT` \| `json` in production, else `text` \|/m);
      assert.match(read('README.md'), /^## Logs$/m);
      assert.match(read('tests/test_logging.py'), /\/api\/v1\/auth\/login/);
    });

    it('--no-auth: the secrets test creates a user instead of logging in', async () => {
      const result = await runApp()
        .withArguments(['api'])
        .withOptions({ auth: false, defaults: true, skipInstall: true });
      const test = readFileSync(join(result.cwd, 'api', 'tests/test_logging.py'), 'utf8');
      assert.doesNotMatch(test, /\/auth\//);
      assert.match(test, /^USERS = "\/api\/v1\/users"$/m);
    });
  });

  describe('--docker', () => {
    it('is stored and composes forge:docker, which writes the Docker files', async () => {
      const result = await runApp()
        .withArguments(['api'])
        .withOptions({ docker: true, defaults: true, skipInstall: true });
      const config = readJson(join(result.cwd, 'api', '.yo-rc.json'))['generator-forge'] as Record<
        string,
        unknown
      >;
      assert.equal(config['docker'], true);
      yeomanAssert.file(
        ['Dockerfile', '.dockerignore', 'docker-compose.yml'].map((file) => join(result.cwd, 'api', file)),
      );
    });
  });

  describe('composition', () => {
    it('composes forge:database by namespace', async () => {
      const result = await runGenerator(generatorPath('app'))
        .withMockedGenerators(['forge:database', 'forge:auth'])
        .withArguments(['api'])
        .withOptions({ defaults: true, skipInstall: true, git: false });
      const mocked = result.mockedGenerators['forge:database'] as { mock: { callCount(): number } };
      assert.equal(mocked.mock.callCount(), 1);
      yeomanAssert.file(join(result.cwd, 'api', 'app', 'main.py'));
      yeomanAssert.noFile(join(result.cwd, 'api', 'alembic.ini'));
    });
  });

  describe('git', () => {
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    /** Run with this git identity in the environment (the generator runs git as a child of this process). */
    async function withGitEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
      const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
      Object.assign(process.env, env);
      try {
        return await work();
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) Reflect.deleteProperty(process.env, key);
          else process.env[key] = value;
        }
      }
    }
    const identity = {
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
    };
    // No identity: no global configuration, and git may not guess one from the host.
    const anonymous = {
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'user.useConfigOnly',
      GIT_CONFIG_VALUE_0: 'true',
    };

    it('makes a new project a repository on main with one commit of every file but secrets and data', async () => {
      const result = await withGitEnv(identity, () =>
        runApp().withArguments(['api']).withOptions({ defaults: true, skipInstall: true, git: true }),
      );
      const project = join(result.cwd, 'api');
      assert.equal(git(project, 'rev-parse', '--show-toplevel'), project);
      assert.equal(git(project, 'branch', '--show-current'), 'main');
      assert.equal(git(project, 'log', '--format=%an %s'), 'Ada Initial commit from generator-forge');
      assert.equal(git(project, 'status', '--porcelain', '--ignored'), '!! .env');
      const committed = git(project, 'ls-files').split('\n');
      for (const file of ['.yo-rc.json', '.env.example', '.github/workflows/ci.yml', 'app/main.py']) {
        assert.ok(committed.includes(file), file);
      }
    });

    it('stages the files and says how to commit them when git has no identity', async () => {
      const result = await withGitEnv(anonymous, () =>
        runApp().withArguments(['api']).withOptions({ defaults: true, skipInstall: true, git: true }),
      );
      const project = join(result.cwd, 'api');
      assert.equal(git(project, 'rev-parse', '--show-toplevel'), project);
      assert.match(git(project, 'status', '--porcelain'), /^A {2}\.gitignore$/m);
      assert.throws(() => git(project, 'rev-parse', 'HEAD'));
    });

    it('leaves a project inside a repository, a re-run and --no-git alone', async () => {
      const outer = mkdtempSync(join(tmpdir(), 'forge-unit-'));
      git(outer, 'init', '--quiet');
      await withGitEnv(identity, () =>
        runApp(outer).withArguments(['api']).withOptions({ defaults: true, skipInstall: true, git: true }),
      );
      assert.equal(existsSync(join(outer, 'api', '.git')), false);

      const plain = await runApp().withArguments(['api']).withOptions({ defaults: true, skipInstall: true });
      const again = await withGitEnv(identity, () =>
        runApp(plain.cwd)
          .withArguments(['api'])
          .withOptions({ defaults: true, skipInstall: true, git: true }),
      );
      assert.equal(existsSync(join(again.cwd, 'api', '.git')), false);
    });
  });

  describe('bad input: a clear error, nothing written', () => {
    const cases: [string, Record<string, unknown>, string[], RegExp][] = [
      [
        'an unknown --database',
        { database: 'oracle' },
        ['api'],
        /Invalid --database "oracle": expected one of sqlite, postgresql, mysql/,
      ],
      [
        'an unknown --orm',
        { orm: 'django' },
        ['api'],
        /Invalid --orm "django": expected one of sqlmodel, sqlalchemy/,
      ],
      ['a name with spaces', {}, ['my api'], /Invalid project name "my api"/],
      ['a name starting with a digit', {}, ['1api'], /Invalid project name "1api"/],
      ['a Python keyword', {}, ['class'], /"class" is a Python keyword/],
      ['a name that shadows the app package', {}, ['app'], /would shadow the "app" module/],
      ['a name that shadows a dependency', {}, ['FastAPI'], /would shadow the "fastapi" module/],
      [
        'a description of two lines',
        { description: 'First line\nsecond line' },
        ['api'],
        /Invalid --description: one line of text is expected/,
      ],
    ];
    for (const [label, options, args, message] of cases) {
      it(`refuses ${label}`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'forge-unit-'));
        await assert.rejects(
          runApp(dir)
            .withArguments(args)
            .withOptions({ ...options, defaults: true, skipInstall: true }),
          message,
        );
        assert.deepEqual(listFiles(dir), []);
        assert.equal(existsSync(join(dir, args[0]!)), false);
      });
    }
  });
});
