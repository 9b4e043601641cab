import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yeomanAssert from 'yeoman-assert';
import { DATABASES, ORMS } from '../../src/lib/config.js';
import { generatorPath } from '../support/paths.js';
import { AUTH_FILES } from '../support/expected.js';
import { listFiles, runApp, runGenerator } from '../support/generate.js';

const COMMON_FILES = [
  '.env',
  '.forge/models/User.json',
  '.env.example',
  '.github/workflows/ci.yml',
  '.gitignore',
  '.yo-rc.json',
  'README.md',
  'alembic.ini',
  'alembic/env.py',
  'alembic/script.py.mako',
  'app/__init__.py',
  'app/core/__init__.py',
  'app/core/common_passwords.txt',
  'app/core/config.py',
  'app/core/database/__init__.py',
  'app/core/database/base.py',
  'app/core/database/connection.py',
  'app/core/database/dependencies.py',
  'app/core/database/faults.py',
  'app/core/database/types.py',
  'app/core/errors.py',
  'app/core/logging.py',
  'app/core/middleware.py',
  'app/core/security.py',
  'app/crud/__init__.py',
  'app/crud/conflicts.py',
  'app/crud/listing.py',
  'app/crud/user.py',
  'app/main.py',
  'app/models/__init__.py',
  'app/models/user.py',
  'app/routers/__init__.py',
  'app/routers/health.py',
  'app/routers/params.py',
  'app/routers/v1/__init__.py',
  'app/routers/v1/users.py',
  'app/schemas/__init__.py',
  'app/schemas/listing.py',
  'app/schemas/types.py',
  'app/schemas/user.py',
  'pyproject.toml',
  'tests/__init__.py',
  'tests/api/__init__.py',
  'tests/api/test_users.py',
  'tests/conftest.py',
  'tests/test_config.py',
  'tests/test_cors.py',
  'tests/test_database.py',
  'tests/test_errors.py',
  'tests/test_health.py',
  'tests/test_logging.py',
  'tests/test_openapi.py',
  'tests/test_user_crud.py',
];

const DRIVERS = { postgresql: 'asyncpg', mysql: 'aiomysql', sqlite: 'aiosqlite' } as const;

describe('forge:database', () => {
  for (const database of DATABASES) {
    for (const orm of ORMS) {
      describe(`${database} + ${orm}`, () => {
        let project = '';
        const read = (file: string) => readFileSync(join(project, file), 'utf8');

        before(async () => {
          const result = await runApp()
            .withArguments(['api'])
            .withOptions({ database, orm, defaults: true, skipInstall: true });
          project = join(result.cwd, 'api');
        });

        it('writes exactly the expected files', () => {
          const files = listFiles(project);
          const migrations = files.filter((file) => file.startsWith('alembic/versions/'));
          assert.deepEqual(
            migrations
              .map((file) => /^alembic\/versions\/\d{8}_\d{4}_[0-9a-f]{12}_(\w+)\.py$/.exec(file)?.[1])
              .sort(),
            ['create_refresh_tokens_table', 'create_users_table'],
          );
          const expected = [
            ...COMMON_FILES,
            ...AUTH_FILES,
            `app/core/database/${database}.py`,
            ...migrations,
          ].sort();
          assert.deepEqual(files, expected);
        });

        it('writes .env, which holds the secret key, readable by its owner only', () => {
          assert.equal(statSync(join(project, '.env')).mode & 0o777, 0o600);
        });

        it('depends on its own driver only', () => {
          const pyproject = read('pyproject.toml');
          for (const [db, driver] of Object.entries(DRIVERS)) {
            assert.equal(pyproject.includes(`"${driver}`), db === database, `${driver} in pyproject.toml`);
          }
          assert.equal(pyproject.includes('"cryptography'), database === 'mysql');
          assert.equal(pyproject.includes('"sqlmodel'), orm === 'sqlmodel');
          assert.match(pyproject, /dev = \[[^\]]*"pytest[^\]]*"httpx[^\]]*"ruff/s);
        });

        it('connects the manager to the backend module of its database', () => {
          assert.match(
            read('app/core/database/connection.py'),
            new RegExp(`from app\\.core\\.database\\.${database} import (BoundedSession, )?create_engine`),
          );
          assert.match(
            read('.env'),
            new RegExp(
              `^DATABASE_URL=${database === 'postgresql' ? 'postgresql\\+asyncpg' : database === 'mysql' ? 'mysql\\+aiomysql' : 'sqlite\\+aiosqlite'}://`,
              'm',
            ),
          );
        });

        it('passes the pool settings that apply', () => {
          const backend = read(`app/core/database/${database}.py`);
          for (const setting of ['POOL_SIZE', 'POOL_MAX_OVERFLOW', 'POOL_TIMEOUT', 'ECHO']) {
            assert.match(backend, new RegExp(`settings\\.${setting}\\b`));
          }
          assert.equal(/settings\.POOL_PRE_PING/.test(backend), database !== 'sqlite');
          assert.equal(/StaticPool/.test(backend), database === 'sqlite');
          const config = read('app/core/config.py');
          assert.match(config, /POOL_SIZE: int = Field\(default=20, ge=1\)/);
          assert.match(config, /POOL_MAX_OVERFLOW: int = Field\(default=0, ge=0\)/);
          assert.match(config, /POOL_TIMEOUT: float = Field\(default=30, ge=0\)/);
          assert.match(config, /POOL_PRE_PING: bool = False/);
          assert.match(config, /ECHO: bool = False/);
          assert.match(config, /DB_STATEMENT_TIMEOUT: float = Field\(default=30, gt=0\)/);
          assert.equal(
            /DB_CONNECT_TIMEOUT: float = Field\(default=5, gt=0\)/.test(config),
            database !== 'sqlite',
          );
          assert.match(config, /MAX_REQUEST_BYTES: int = Field\(default=1_048_576, ge=1\)/);
          assert.match(config, /PASSWORD_MIN_LENGTH: int = Field\(default=8, ge=8, le=128\)/);
        });

        it('adds CORS only for the origins of CORS_ORIGINS, outside the body size limit; off by default', () => {
          assert.match(read('app/core/config.py'), /CORS_ORIGINS: Annotated\[list\[str\], NoDecode\] = \[\]/);
          const main = read('app/main.py');
          const sizeLimit = main.indexOf('add_middleware(BodySizeLimitMiddleware');
          const cors = main.search(
            /if settings\.CORS_ORIGINS:\n(\s+#.*\n)*\s+application\.add_middleware\(\n\s+CORSMiddleware,/,
          );
          assert.ok(
            sizeLimit > 0 && cors > sizeLimit,
            'CORSMiddleware added after (outside) the body size limit',
          );
          assert.match(main, /allow_credentials=True,\n\s+allow_methods=CORS_METHODS,/);
          assert.match(
            read('app/core/middleware.py'),
            /^CORS_HEADERS = \("Authorization", "Content-Type", REQUEST_ID_HEADER\)$/m,
          );
          assert.match(
            read('.env.example'),
            /^# CORS_ORIGINS=https:\/\/app\.example\.com,http:\/\/localhost:5173$/m,
          );
          assert.doesNotMatch(read('.env'), /^CORS_ORIGINS=/m);
          assert.match(read('README.md'), /^\| `CORS_ORIGINS` \| empty: no CORS headers \|/m);
          assert.match(read('pyproject.toml'), /"pydantic-settings>=2\.7"/);
        });

        it('bounds connecting and every statement, the way its driver can', () => {
          const backend = read(`app/core/database/${database}.py`);
          const timeouts = {
            postgresql: [
              /connect_timeout = settings\.DB_CONNECT_TIMEOUT if timeout is None else timeout/,
              /"timeout": connect_timeout/,
              /"statement_timeout": str\(int\(statement_timeout \* 1000\)\)/,
              /"command_timeout": statement_timeout \+ CLIENT_GRACE_SECONDS/,
            ],
            mysql: [
              /"async_creator_fn": partial\(_connect, seconds=connect_timeout\)/,
              /max_statement_time/,
              /max_execution_time/,
              /isolation_level="READ COMMITTED"/,
              /class BoundedSession\(AsyncSession\)/,
            ],
            sqlite: [
              /connect_args = \{"timeout": settings\.DB_STATEMENT_TIMEOUT if timeout is None else timeout\}/,
            ],
          }[database];
          for (const pattern of timeouts) assert.match(backend, pattern);
          assert.equal(
            /class_=BoundedSession/.test(read('app/core/database/connection.py')),
            database === 'mysql',
          );
        });

        it(`writes the users model in ${orm} style`, () => {
          const model = read('app/models/user.py');
          if (orm === 'sqlalchemy') {
            assert.match(model, /class User\(TimestampMixin, Base\):/);
            assert.match(model, /Mapped\[str\] = mapped_column\(String\(50\), unique=True, index=True\)/);
            assert.match(read('app/core/database/__init__.py'), /"Base",/);
          } else {
            assert.match(model, /class User\(TimestampMixin, table=True\):/);
            assert.match(model, /Field\(max_length=50, unique=True, index=True\)/);
            assert.doesNotMatch(read('app/core/database/__init__.py'), /"Base"/);
          }
          assert.match(read('app/models/__init__.py'), /# forge-needle-model-imports/);
          assert.match(read('app/routers/v1/__init__.py'), /# forge-needle-router-includes/);
        });

        it('writes an initial migration whose timestamp type fits the database', () => {
          const migration = listFiles(project).find((file) => file.endsWith('_create_users_table.py'))!;
          const text = read(migration);
          assert.match(text, /down_revision: str \| None = None/);
          assert.match(text, /op\.create_table\(\s*"users"/);
          const tokens = read(listFiles(project).find((file) => file.endsWith('_refresh_tokens_table.py'))!);
          const users = /^revision: str = "([0-9a-f]+)"/m.exec(text)![1]!;
          assert.match(tokens, new RegExp(`down_revision: str \\| None = "${users}"`));
          assert.match(
            tokens,
            /\["user_id"\],\s*\["users\.id"\],\s*name=op\.f\("fk_refresh_tokens_user_id_users"\),\s*ondelete="CASCADE"/,
          );
          assert.match(
            tokens,
            /op\.f\("ix_refresh_tokens_token_hash"\), "refresh_tokens", \["token_hash"\], unique=True/,
          );
          if (database === 'mysql') assert.match(text, /mysql\.DATETIME\(fsp=6\)/);
          else assert.match(text, /sa\.DateTime\(timezone=True\)/);
          assert.equal(/import sqlmodel/.test(read('alembic/script.py.mako')), orm === 'sqlmodel');
          assert.match(read('alembic/env.py'), /render_as_batch": dialect_name == "sqlite"/);
        });
      });
    }
  }

  it('runs on its own inside an existing project, reading .yo-rc.json', async () => {
    const first = await runApp()
      .withArguments(['api'])
      .withOptions({ database: 'postgresql', defaults: true, skipInstall: true });
    const project = join(first.cwd, 'api');
    await runGenerator(generatorPath('database')).cd(join(project, 'app')).withOptions({ force: true });
    yeomanAssert.file(join(project, 'app', 'core', 'database', 'postgresql.py'));
    assert.equal(listFiles(join(project, 'alembic', 'versions')).length, 2, 'no second initial migration');
  });

  it('refuses to run outside a forge project, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forge-unit-'));
    await assert.rejects(runGenerator(generatorPath('database')).cd(dir), /Not inside a forge project/);
    assert.deepEqual(listFiles(dir), []);
  });
});
