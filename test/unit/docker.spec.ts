import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yeomanAssert from 'yeoman-assert';
import helpers from 'yeoman-test';
import { DATABASES } from '../../src/lib/config.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import { listFiles, runApp, runGenerator } from '../support/generate.js';
import { parseDockerfile } from '../support/docker.js';

const DOCKER_FILES = ['.dockerignore', 'Dockerfile', 'docker-compose.yml'];

/** The body of one service of docker-compose.yml: its indented lines, up to the next service. */
function service(compose: string, name: string): string | undefined {
  return new RegExp(`^  ${name}:\\n((?:(?: {4}.*)?\\n)*)`, 'm').exec(compose)?.[1];
}

async function generate(options: Record<string, unknown>): Promise<string> {
  const result = await runApp()
    .withArguments(['shop-api'])
    .withOptions({ defaults: true, skipInstall: true, ...options });
  return join(result.cwd, 'shop-api');
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('forge:docker', () => {
  for (const database of DATABASES) {
    describe(`${database}`, () => {
      let project = '';
      const read = (file: string) => readFileSync(join(project, file), 'utf8');

      before(async () => {
        project = await generate({ database, docker: true });
      });

      it('writes the Docker files beside the project', () => {
        const files = listFiles(project);
        for (const file of DOCKER_FILES) assert.ok(files.includes(file), `${file} written`);
      });

      it('builds the image on a slim Python, dependencies cached on pyproject.toml', () => {
        const steps = parseDockerfile(read('Dockerfile'));
        const keywords = steps.map((step) => step.keyword);
        assert.equal(steps[0]!.keyword, 'FROM');
        assert.equal(steps[0]!.args, 'python:3.11-slim');
        const index = (predicate: (args: string, keyword: string) => boolean) =>
          steps.findIndex((step) => predicate(step.args, step.keyword));
        const copyPyproject = index((args, keyword) => keyword === 'COPY' && args === 'pyproject.toml ./');
        const install = index(
          (args, keyword) => keyword === 'RUN' && /pip install --no-cache-dir/.test(args),
        );
        const copyApp = index((args, keyword) => keyword === 'COPY' && /^app /.test(args));
        assert.ok(copyPyproject >= 0 && copyPyproject < install && install < copyApp, keywords.join(' '));
        // Nothing else reaches the image before the dependency layer, so code changes keep it cached.
        assert.equal(steps.slice(0, install).filter((step) => step.keyword === 'COPY').length, 1);
        for (const copy of ['alembic.ini ./', 'alembic ./alembic', 'app ./app']) {
          assert.ok(
            steps.some((step) => step.keyword === 'COPY' && step.args === copy),
            `COPY ${copy}`,
          );
        }
      });

      it('copies no .env, no tests and no whole context into the image', () => {
        const copies = parseDockerfile(read('Dockerfile')).filter((step) =>
          /^(COPY|ADD)$/.test(step.keyword),
        );
        for (const copy of copies) {
          const sources = copy.args.split(/\s+/).slice(0, -1);
          for (const source of sources) assert.doesNotMatch(source, /^(\.|\.\/|\*|\.env.*|tests)$/);
        }
        assert.doesNotMatch(read('Dockerfile'), /SECRET_KEY/);
        const ignored = read('.dockerignore').split('\n');
        for (const entry of ['.env', '.venv', '.git', '*.db', '**/__pycache__']) {
          assert.ok(ignored.includes(entry), `${entry} in .dockerignore`);
        }
      });

      it('runs uvicorn as a non-root user, WEB_CONCURRENCY workers, with a HEALTHCHECK on /health', () => {
        const steps = parseDockerfile(read('Dockerfile'));
        const user = steps.findIndex((step) => step.keyword === 'USER');
        assert.ok(user >= 0, 'a USER instruction');
        assert.doesNotMatch(steps[user]!.args, /^(root|0)(:|$)/);
        assert.match(
          steps.find((step) => step.keyword === 'RUN' && /useradd/.test(step.args))!.args,
          new RegExp(`useradd .*\\b${steps[user]!.args}$`),
        );
        const cmd = steps.findLast((step) => step.keyword === 'CMD')!;
        assert.ok(steps.indexOf(cmd) > user, 'CMD after USER');
        const [shell, flag, script] = JSON.parse(cmd.args) as string[];
        assert.deepEqual([shell, flag], ['sh', '-c']);
        assert.match(script!, /^exec uvicorn app\.main:app --host 0\.0\.0\.0 --port \$\{PORT:-8000\} /);
        assert.match(script!, /--workers \$\{WEB_CONCURRENCY:-2\}/);
        const health = steps.find((step) => step.keyword === 'HEALTHCHECK')!;
        assert.match(health.args, /CMD \["python", "-c", ".*urllib\.request.*\/health/);
        assert.match(read('Dockerfile'), /^EXPOSE 8000$/m);
        assert.equal(/mkdir \/data && chown app:app \/data/.test(read('Dockerfile')), database === 'sqlite');
      });

      it('migrates with alembic upgrade head only, once the database is healthy, and never restarts', () => {
        const compose = read('docker-compose.yml');
        const migrate = service(compose, 'db-migrate')!;
        assert.match(migrate, /^ {4}build: \.$/m);
        assert.match(migrate, /^ {4}command: alembic upgrade head$/m);
        assert.match(migrate, /^ {4}restart: "no"$/m);
        const uncommented = compose.replace(/^\s*#.*\n/gm, '');
        assert.doesNotMatch(uncommented, /revision|autogenerate/);
        assert.doesNotMatch(read('Dockerfile').replace(/^\s*#.*\n/gm, ''), /alembic (upgrade|revision)/);
        if (database === 'sqlite') {
          assert.doesNotMatch(migrate, /depends_on/);
        } else {
          assert.match(migrate, /depends_on:\n {6}db:\n {8}condition: service_healthy\n/);
        }
      });

      it('starts the app after successful migrations, on port 8000, with the async URL and SECRET_KEY', () => {
        const compose = read('docker-compose.yml');
        const app = service(compose, 'app')!;
        assert.match(
          app,
          /depends_on:\n(?: {6}.*\n)*? {6}db-migrate:\n {8}condition: service_completed_successfully\n/,
        );
        assert.match(app, /^ {6}- "\$\{APP_PORT:-8000\}:8000"$/m);
        assert.match(app, /^ {6}<<: \*app-environment$/m);
        assert.match(service(compose, 'db-migrate')!, /^ {4}environment: \*app-environment$/m);
        assert.match(compose, /^ {2}SECRET_KEY: \$\{SECRET_KEY:\?[^}]+\}$/m);
        assert.match(compose, /^ {2}ENVIRONMENT: production$/m);
        // Empty unless .env or the environment sets it: JSON lines, the default in production.
        assert.match(compose, /^ {2}LOG_FORMAT: \$\{LOG_FORMAT:-\}$/m);
        const url = /^ {2}DATABASE_URL: (.+)$/m.exec(compose)![1]!;
        const expected = {
          postgresql:
            'postgresql+asyncpg://${POSTGRES_USER:-postgres}:${POSTGRES_PASSWORD:-postgres}@db:5432/${POSTGRES_DB:-shop_api}',
          mysql:
            'mysql+aiomysql://${MYSQL_USER:-app}:${MYSQL_PASSWORD:-app}@db:3306/${MYSQL_DATABASE:-shop_api}?charset=utf8mb4',
          sqlite: 'sqlite+aiosqlite:////data/shop_api.db',
        }[database];
        assert.equal(url, expected);
      });

      if (database === 'postgresql') {
        it('runs postgres:15-alpine on a named volume, healthy once it accepts TCP connections', () => {
          const db = service(read('docker-compose.yml'), 'db')!;
          assert.match(db, /^ {4}image: postgres:15-alpine$/m);
          for (const variable of [
            'POSTGRES_USER: ${POSTGRES_USER:-postgres}',
            'POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}',
            'POSTGRES_DB: ${POSTGRES_DB:-shop_api}',
          ]) {
            assert.ok(db.includes(`      ${variable}\n`), variable);
          }
          assert.match(db, /^ {6}- postgres_data:\/var\/lib\/postgresql\/data$/m);
          assert.match(db, /^ {6}- "127\.0\.0\.1:\$\{POSTGRES_PORT:-5432\}:5432"$/m);
          assert.match(db, /test: \["CMD-SHELL", "pg_isready -h 127\.0\.0\.1 -p 5432 /);
          assert.match(read('docker-compose.yml'), /^volumes:\n {2}postgres_data:\n?$/m);
        });
      } else if (database === 'mysql') {
        it('runs mysql:8.0 with an application user on a named volume, healthy on a TCP ping', () => {
          const db = service(read('docker-compose.yml'), 'db')!;
          assert.match(db, /^ {4}image: mysql:8\.0$/m);
          for (const variable of [
            'MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD:-root}',
            'MYSQL_DATABASE: ${MYSQL_DATABASE:-shop_api}',
            'MYSQL_USER: ${MYSQL_USER:-app}',
            'MYSQL_PASSWORD: ${MYSQL_PASSWORD:-app}',
          ]) {
            assert.ok(db.includes(`      ${variable}\n`), variable);
          }
          assert.match(db, /^ {6}- mysql_data:\/var\/lib\/mysql$/m);
          assert.match(db, /^ {6}- "127\.0\.0\.1:\$\{MYSQL_PORT:-3306\}:3306"$/m);
          assert.match(
            db,
            /test: \["CMD", "mysqladmin", "ping", "--host=127\.0\.0\.1", "--port=3306", "--silent"\]/,
          );
          assert.match(read('docker-compose.yml'), /^volumes:\n {2}mysql_data:\n?$/m);
        });
      } else {
        it('has no db service: migrations and app share the volume holding the database file', () => {
          const compose = read('docker-compose.yml');
          assert.equal(service(compose, 'db'), undefined);
          for (const name of ['db-migrate', 'app']) {
            assert.match(service(compose, name)!, /volumes:\n {6}- sqlite_data:\/data\n/);
          }
          assert.match(service(compose, 'app')!, /WEB_CONCURRENCY: \$\{WEB_CONCURRENCY:-1\}/);
          assert.match(compose, /^volumes:\n {2}sqlite_data:\n?$/m);
        });
      }

      it('has no mail catcher and no email settings without email', () => {
        const compose = read('docker-compose.yml');
        assert.equal(service(compose, 'mailpit'), undefined);
        assert.doesNotMatch(compose, /mailpit|EMAIL_|SMTP_|FRONTEND_URL/);
        assert.doesNotMatch(read('README.md'), /mailpit|MAILPIT_PORT/);
      });

      it('documents the Docker commands at the end of the README', () => {
        const readme = read('README.md');
        const section = readme.slice(readme.indexOf('\n## Docker\n'));
        assert.ok(readme.includes('\n## Docker\n'), 'a Docker section');
        assert.doesNotMatch(section.slice(1), /^## (?!Docker)/m, 'the last section');
        assert.match(section, /docker compose up --build -d/);
        assert.match(section, /docker compose run --rm db-migrate alembic current/);
        assert.match(section, /`SECRET_KEY` is required/);
        assert.equal(section.includes('POSTGRES_PASSWORD'), database === 'postgresql');
        assert.equal(section.includes('MYSQL_ROOT_PASSWORD'), database === 'mysql');
        assert.equal(section.includes('sqlite_data'), database === 'sqlite');
      });
    });
  }

  describe('with email', () => {
    for (const database of DATABASES) {
      describe(`${database}`, () => {
        let compose = '';
        let readme = '';

        before(async () => {
          const project = await generate({ database, docker: true, email: true });
          compose = readFileSync(join(project, 'docker-compose.yml'), 'utf8');
          readme = readFileSync(join(project, 'README.md'), 'utf8');
        });

        it('runs mailpit: its inbox on the loopback, SMTP inside the network only', () => {
          const mailpit = service(compose, 'mailpit')!;
          assert.ok(mailpit, 'a mailpit service');
          assert.match(mailpit, /^ {4}image: axllent\/mailpit:v1\.21$/m);
          assert.match(
            mailpit,
            /^ {4}ports:\n(?: {6}#.*\n)* {6}- "127\.0\.0\.1:\$\{MAILPIT_PORT:-8025\}:8025"\n/m,
          );
          // Only the web inbox is published; the app reaches SMTP at mailpit:1025.
          assert.equal(mailpit.match(/^ {6}- /gm)?.length, 1);
          assert.match(mailpit, /^ {4}restart: unless-stopped$/m);
        });

        it('sends the email of the app and of db-migrate to mailpit over plain SMTP, whatever .env says', () => {
          // The shared environment (app and db-migrate both load the settings), set here: .env holds the
          // development values (EMAIL_BACKEND=console, SMTP_HOST=localhost), refused or wrong in a container.
          const anchor = /^x-app-environment: &app-environment\n((?: {2}.*\n)*)/m.exec(compose)![1]!;
          for (const line of [
            'EMAIL_BACKEND: smtp',
            'SMTP_HOST: mailpit',
            'SMTP_PORT: "1025"',
            'SMTP_SECURITY: none',
            'FRONTEND_URL: ${FRONTEND_URL:-http://localhost:3000}',
            'ENVIRONMENT: production',
          ]) {
            assert.ok(anchor.includes(`\n  ${line}\n`), line);
          }
          assert.doesNotMatch(compose, /\$\{(EMAIL_BACKEND|SMTP_\w+)/);
          assert.match(anchor, /# A real deployment points SMTP_\* at its provider instead/);
          assert.match(service(compose, 'db-migrate')!, /^ {4}environment: \*app-environment$/m);
        });

        it('starts the app once mailpit has started, still after the migrations', () => {
          const app = service(compose, 'app')!;
          assert.match(app, /^ {6}<<: \*app-environment$/m);
          const dependsOn = /^ {4}depends_on:\n((?: {6}.*\n)*)/m.exec(app)![1]!;
          assert.match(dependsOn, /^ {6}mailpit:\n {8}condition: service_started\n/m);
          assert.match(dependsOn, /^ {6}db-migrate:\n {8}condition: service_completed_successfully\n/m);
          assert.doesNotMatch(service(compose, 'db-migrate')!, /mailpit/);
        });

        it('documents mailpit and its variables in the Docker section of the README', () => {
          const section = readme.slice(readme.indexOf('\n## Docker\n'));
          assert.match(section, /^\| `MAILPIT_PORT` \| `8025` \|/m);
          assert.match(section, /^\| `FRONTEND_URL` \| `http:\/\/localhost:3000` \|/m);
          assert.match(section, /http:\/\/127\.0\.0\.1:8025/);
        });
      });
    }
  });

  describe('when forge:email adds email later', () => {
    const addEmail = (project: string, options: Record<string, unknown> = {}) =>
      runGenerator(generatorPath('email'))
        .withGenerators(FORGE_GENERATORS)
        .cd(project)
        .withOptions({ defaults: true, skipInstall: true, ...options });
    const compose = (project: string) => readFileSync(join(project, 'docker-compose.yml'), 'utf8');

    it('renders docker-compose.yml again: the file of `--docker --email`, the app no longer refused', async () => {
      const project = await generate({ database: 'mysql', docker: true });
      assert.equal(service(compose(project), 'mailpit'), undefined);
      await addEmail(project);
      const expected = await generate({ database: 'mysql', docker: true, email: true });
      assert.equal(compose(project), compose(expected));
      assert.match(compose(project), /^ {2}EMAIL_BACKEND: smtp$/m);
    });

    it('refuses when docker-compose.yml was edited, unless --force; writes none without Docker', async () => {
      const project = await generate({ database: 'sqlite', docker: true });
      const path = join(project, 'docker-compose.yml');
      writeFileSync(path, `${compose(project)}# my change\n`);
      await assert.rejects(
        addEmail(project, { force: false }),
        /Adding email renders docker-compose\.yml again, and they changed since forge wrote them/,
      );
      assert.doesNotMatch(compose(project), /mailpit/);
      await addEmail(project, { force: true });
      assert.ok(service(compose(project), 'mailpit'));
      assert.doesNotMatch(compose(project), /# my change/);

      const plain = await generate({ database: 'sqlite' });
      await addEmail(plain);
      yeomanAssert.noFile(join(plain, 'docker-compose.yml'));
    });
  });

  it('writes no Docker file and no Docker section without --docker', async () => {
    const project = await generate({ docker: false });
    for (const file of DOCKER_FILES) yeomanAssert.noFile(join(project, file));
    assert.doesNotMatch(readFileSync(join(project, 'README.md'), 'utf8'), /## Docker/);
  });

  it('is composed by `yo forge` by namespace when Docker is chosen, and only then', async () => {
    for (const docker of [true, false]) {
      const result = await runGenerator(generatorPath('app'))
        .withMockedGenerators(['forge:database', 'forge:auth', 'forge:docker'])
        .withArguments(['api'])
        .withOptions({ docker, defaults: true, skipInstall: true, git: false });
      const mocked = result.mockedGenerators['forge:docker'] as { mock: { callCount(): number } };
      assert.equal(mocked.mock.callCount(), docker ? 1 : 0, `--docker=${docker}`);
    }
  });

  it('runs on its own inside an existing project and records Docker in .yo-rc.json', async () => {
    const project = await generate({ database: 'postgresql' });
    yeomanAssert.noFile(join(project, 'Dockerfile'));
    await runGenerator(generatorPath('docker')).cd(join(project, 'app', 'core'));
    for (const file of DOCKER_FILES) yeomanAssert.file(join(project, file));
    yeomanAssert.noFile(join(project, 'app', 'core', 'Dockerfile'));
    yeomanAssert.fileContent(join(project, 'docker-compose.yml'), /image: postgres:15-alpine/);
    yeomanAssert.fileContent(join(project, 'README.md'), /\n## Docker\n/);
    const config = readJson(join(project, '.yo-rc.json'))['generator-forge'] as Record<string, unknown>;
    assert.equal(config['docker'], true);
    assert.equal(config['database'], 'postgresql');
  });

  it('refuses to run outside a forge project, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forge-unit-'));
    await assert.rejects(runGenerator(generatorPath('docker')).cd(dir), /Not inside a forge project/);
    assert.deepEqual(listFiles(dir), []);
  });

  describe('over files the user edited', () => {
    const edit = (project: string, file: string) => {
      const path = join(project, file);
      writeFileSync(path, `${readFileSync(path, 'utf8')}# my change\n`);
    };
    /** A run as `yo forge:docker` without --force: Yeoman's conflicter asks about every changed file. */
    const rerun = (project: string, action: 'skip' | 'write') =>
      helpers.run(generatorPath('docker'), undefined, { force: false }).cd(project).withAnswers({ action });

    it('asks before overwriting them and keeps them when told not to', async () => {
      const project = await generate({ database: 'mysql', docker: true });
      edit(project, 'docker-compose.yml');
      edit(project, 'Dockerfile');
      const result = await rerun(project, 'skip');
      assert.deepEqual(
        result.askedQuestions.map((question) => question.name),
        ['action', 'action'],
        'one conflict prompt per changed file, none for unchanged ones',
      );
      yeomanAssert.fileContent(join(project, 'docker-compose.yml'), /# my change\n$/);
      yeomanAssert.fileContent(join(project, 'Dockerfile'), /# my change\n$/);
    });

    it('overwrites them only when the answer says so', async () => {
      const project = await generate({ database: 'sqlite', docker: true });
      edit(project, 'docker-compose.yml');
      await rerun(project, 'write');
      yeomanAssert.noFileContent(join(project, 'docker-compose.yml'), /# my change/);
    });
  });
});
