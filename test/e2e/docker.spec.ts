/**
 * forge:docker without a Docker engine: on every database, with and without email, the generated compose file
 * passes a real compose implementation's validation, and the Dockerfile BuildKit's own parser; for PostgreSQL,
 * with and without email, the Dockerfile's own install step and CMD (read from the generated Dockerfile) run in
 * a clean virtual environment, where db-migrate's command (read from the compose file) migrates the database,
 * then the app answers /health and the image's HEALTHCHECK, and with email sends its mail as the compose file
 * says (a local catcher stands for mailpit). Building the image and running the containers need a Docker
 * engine: not checked here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DATABASES, type Database } from '../../src/lib/config.js';
import {
  commandArgs,
  composeCommand,
  envAssignments,
  healthcheckCommand,
  interpolate,
  parseDockerfile,
  type Instruction,
} from '../support/docker.js';
import { runApp } from '../support/generate.js';
import { REPO_ROOT } from '../support/paths.js';
import { call, freePort, startProcess, waitForHttp } from '../support/http.js';
import { mustFail, mustRun, run, venvFor } from '../support/python.js';
import { createDatabase, dropDatabase, isPortOpen, SERVER_PORTS } from '../support/servers.js';
import { linkToken, startMailSink } from '../support/mail.js';

const IN_CI = process.env['CI'] === 'true';
const DOCKERFILE_PARSER = 'dockerfile==3.4.0';

/** Skip with a printed line off CI; fail with CI=true, where nothing may be skipped. */
function skipOrFail(context: Mocha.Context, message: string): never {
  if (IN_CI) throw new Error(`${message} (CI=true: nothing may be skipped)`);
  console.log(`      skipped: ${message}`);
  context.skip();
}

async function generateDockerProject(database: Database, email = false, redis = false): Promise<string> {
  const parent = mkdtempSync(join(tmpdir(), `forge-e2e-docker-${database}-`));
  await runApp(parent)
    .withArguments(['demo'])
    .withOptions({ database, docker: true, email, redis, defaults: true, skipInstall: true });
  // yeoman-test moved into the folder, which the suite deletes later.
  process.chdir(REPO_ROOT);
  return join(parent, 'demo');
}

/** The environment of a command, without the caller's database, email or compose settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const settings =
    /^(DATABASE_URL|TEST_DATABASE_URL|SECRET_KEY|POSTGRES_|MYSQL_|APP_PORT|WEB_CONCURRENCY|COMPOSE_|EMAIL_|SMTP_|FRONTEND_URL|MAILPIT_|REDIS_)/;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !settings.test(name)));
}

describe('e2e: forge:docker', function () {
  this.timeout(600_000);

  describe('docker-compose.yml passes compose validation', () => {
    let compose: string[] = [];
    const projects: string[] = [];

    before(function () {
      const found = composeCommand();
      if (found === undefined) {
        skipOrFail(
          this,
          'no compose implementation (`docker compose` or Debian docker-compose) to validate with',
        );
      }
      compose = found;
    });

    after(() => projects.forEach((project) => rmSync(join(project, '..'), { recursive: true, force: true })));

    for (const database of DATABASES) {
      it(`${database}: valid as generated, and refused without SECRET_KEY`, async () => {
        const project = await generateDockerProject(database);
        projects.push(project);
        const config = (args: string[]) =>
          run(compose[0]!, [...compose.slice(1), ...args], { cwd: project, env: cleanEnv() });

        const valid = await config(['config', '-q']);
        assert.equal(valid.status, 0, valid.output);
        // SECRET_KEY reaches the containers from .env, where `yo forge` wrote it.
        const secret = /^SECRET_KEY=(.+)$/m.exec(readFileSync(join(project, '.env'), 'utf8'))![1]!;
        const resolved = await config(['config']);
        assert.equal(resolved.status, 0, resolved.output);
        assert.ok(resolved.output.includes(secret), resolved.output);

        renameSync(join(project, '.env'), join(project, 'env.moved'));
        const refused = await mustFail(compose[0]!, [...compose.slice(1), 'config', '-q'], {
          cwd: project,
          env: cleanEnv(),
        });
        assert.match(refused, /SECRET_KEY/);
      });

      it(`${database} with email and Redis: valid, mailpit and redis beside the app, whose settings ignore .env`, async () => {
        const project = await generateDockerProject(database, true, true);
        projects.push(project);
        const dotenv = readFileSync(join(project, '.env'), 'utf8');
        // .env holds the development values: the compose file must not take them.
        assert.match(dotenv, /^EMAIL_BACKEND=console$/m);
        assert.match(dotenv, /^SMTP_HOST=localhost$/m);
        const config = (args: string[], env: NodeJS.ProcessEnv = {}) =>
          run(compose[0]!, [...compose.slice(1), ...args], { cwd: project, env: { ...cleanEnv(), ...env } });

        const valid = await config(['config', '-q']);
        assert.equal(valid.status, 0, valid.output);
        const services = await config(['config', '--services']);
        assert.equal(services.status, 0, services.output);
        assert.ok(services.output.split('\n').includes('mailpit'), services.output);
        assert.ok(services.output.split('\n').includes('redis'), services.output);

        // Even set in the environment, which compose prefers to .env for ${NAME}, EMAIL_BACKEND and SMTP_* stay.
        const resolved = await config(['config'], {
          EMAIL_BACKEND: 'console',
          SMTP_HOST: 'localhost',
          SMTP_PORT: '587',
          SMTP_SECURITY: 'starttls',
          FRONTEND_URL: 'https://app.example.com',
          MAILPIT_PORT: '18025',
        });
        assert.equal(resolved.status, 0, resolved.output);
        const document = parseYaml(
          resolved.output.slice(resolved.output.search(/^(services|version):/m)),
        ) as {
          services: Record<
            string,
            {
              image?: string;
              environment?: Record<string, string>;
              depends_on?: Record<string, { condition: string }>;
              ports?: unknown[];
            }
          >;
        };
        const mailpit = document.services['mailpit']!;
        assert.equal(mailpit.image, 'axllent/mailpit:v1.21');
        assert.match(JSON.stringify(mailpit.ports), /127\.0\.0\.1/);
        assert.match(JSON.stringify(mailpit.ports), /18025/);
        for (const name of ['app', 'db-migrate']) {
          const environment = document.services[name]!.environment!;
          assert.deepEqual(
            {
              ENVIRONMENT: environment['ENVIRONMENT'],
              EMAIL_BACKEND: environment['EMAIL_BACKEND'],
              SMTP_HOST: environment['SMTP_HOST'],
              SMTP_PORT: String(environment['SMTP_PORT']),
              SMTP_SECURITY: environment['SMTP_SECURITY'],
              FRONTEND_URL: environment['FRONTEND_URL'],
            },
            {
              ENVIRONMENT: 'production',
              EMAIL_BACKEND: 'smtp',
              SMTP_HOST: 'mailpit',
              SMTP_PORT: '1025',
              SMTP_SECURITY: 'none',
              FRONTEND_URL: 'https://app.example.com',
            },
            name,
          );
        }
        assert.equal(document.services['app']!.depends_on!['mailpit']!.condition, 'service_started');
        // Redis: the redis service, whatever REDIS_URL .env holds for development outside Docker.
        assert.equal(document.services['redis']!.image, 'redis:7-alpine');
        assert.equal(document.services['app']!.environment!['REDIS_URL'], 'redis://redis:6379/0');
        assert.equal(document.services['app']!.depends_on!['redis']!.condition, 'service_healthy');
      });
    }
  });

  describe("the Dockerfile parses with BuildKit's own parser", () => {
    const projects: string[] = [];
    let python = '';

    before(async () => {
      // PyPI's `dockerfile` wraps the Go parser of moby/buildkit.
      python = join(await venvFor([DOCKERFILE_PARSER]), 'bin', 'python');
    });

    after(() => projects.forEach((project) => rmSync(join(project, '..'), { recursive: true, force: true })));

    for (const database of DATABASES) {
      it(`${database}: the same instructions as the suite reads, CMD and HEALTHCHECK in exec form`, async () => {
        const project = await generateDockerProject(database);
        projects.push(project);
        const path = join(project, 'Dockerfile');
        const parsed = JSON.parse(
          await mustRun(python, [
            '-c',
            'import dockerfile, json, sys\n' +
              'print(json.dumps([[c.cmd.upper(), list(c.value), c.json] for c in dockerfile.parse_file(sys.argv[1])]))',
            path,
          ]),
        ) as [string, string[], boolean][];
        const steps = parseDockerfile(readFileSync(path, 'utf8'));
        assert.deepEqual(
          parsed.map(([keyword]) => keyword),
          steps.map((step) => step.keyword),
        );
        const official = (keyword: string) => parsed.findLast(([name]) => name === keyword)!;
        assert.deepEqual(official('CMD').slice(1), [
          commandArgs(steps.findLast((step) => step.keyword === 'CMD')!.args),
          true,
        ]);
        assert.deepEqual(official('HEALTHCHECK').slice(1), [
          ['CMD', ...healthcheckCommand(steps.find((step) => step.keyword === 'HEALTHCHECK')!.args)],
          true,
        ]);
      });
    }
  });

  for (const email of [false, true]) {
    describe(`postgresql${email ? ' with email' : ''}: the Dockerfile's install step and CMD in a clean virtual environment`, () => {
      let project = '';
      let sandbox = '';
      let workdir = '';
      let venvBin = '';
      let imageEnv: Record<string, string> = {};
      let steps: Instruction[] = [];
      let compose: { services: Record<string, { command?: string; environment?: Record<string, string> }> };
      const dbName = `forge_e2e_docker_${process.pid}${email ? '_email' : ''}`;

      /** The container's environment: the image's ENV, then the compose service's, pointed at the local server. */
      const containerEnv = (serviceName: string): NodeJS.ProcessEnv => {
        const variables = { POSTGRES_DB: dbName, SECRET_KEY: randomBytes(48).toString('base64url') };
        const service = Object.fromEntries(
          Object.entries(compose.services[serviceName]!.environment ?? {}).map(([name, value]) => [
            name,
            interpolate(String(value), variables),
          ]),
        );
        assert.match(service['DATABASE_URL'] ?? '', /^postgresql\+asyncpg:\/\/postgres:postgres@db:5432\//);
        // The `db` host of the compose network is the local server here.
        service['DATABASE_URL'] = service['DATABASE_URL']!.replace('@db:5432/', '@127.0.0.1:5432/');
        return { ...cleanEnv(), ...imageEnv, ...service, PATH: `${venvBin}:${process.env['PATH']}` };
      };

      before(async function () {
        if (!(await isPortOpen(SERVER_PORTS.postgresql!))) {
          skipOrFail(this, 'postgresql server unreachable on 127.0.0.1:5432');
        }
        project = await generateDockerProject('postgresql', email);
        sandbox = mkdtempSync(join(tmpdir(), 'forge-e2e-image-'));
        // A clean virtual environment stands for the image's Python; its bin/ comes first on the PATH.
        await mustRun('python3', ['-m', 'venv', join(sandbox, 'venv')]);
        venvBin = join(sandbox, 'venv', 'bin');
        steps = parseDockerfile(readFileSync(join(project, 'Dockerfile'), 'utf8'));
        await createDatabase('postgresql', dbName);
      });

      after(async () => {
        if (project !== '') {
          await dropDatabase('postgresql', dbName).catch(() => undefined);
          rmSync(join(project, '..'), { recursive: true, force: true });
        }
        if (sandbox !== '') rmSync(sandbox, { recursive: true, force: true });
      });

      it('builds: COPY into the work directory and the pip install step succeed', async () => {
        const from = steps[0]!;
        assert.equal(from.keyword, 'FROM');
        const version = await mustRun(join(venvBin, 'python'), [
          '-c',
          'import sys; print("%d.%d" % sys.version_info[:2])',
        ]);
        assert.equal(`python:${version.trim()}-slim`, from.args, 'the local Python matches the image tag');
        let installed = false;
        for (const step of steps.slice(1)) {
          const here = workdir === '' ? sandbox : workdir;
          if (step.keyword === 'ENV') imageEnv = { ...imageEnv, ...envAssignments(step.args) };
          if (step.keyword === 'WORKDIR') {
            workdir = join(sandbox, 'root', step.args);
            mkdirSync(workdir, { recursive: true });
          }
          if (step.keyword === 'COPY') {
            const parts = step.args.split(/\s+/).filter((part) => !part.startsWith('--'));
            const destination = parts.pop()!;
            for (const source of parts) {
              const target = destination.endsWith('/')
                ? join(here, destination, source)
                : join(here, destination);
              cpSync(join(project, source), target, { recursive: true });
            }
          }
          // Only the dependency install runs here; the other RUN steps (the user account, folders) change the
          // system and need the image.
          if (step.keyword === 'RUN' && /\bpip install\b/.test(step.args)) {
            await mustRun('sh', ['-c', step.args], {
              cwd: here,
              env: { ...cleanEnv(), ...imageEnv, PATH: `${venvBin}:${process.env['PATH']}` },
              timeoutMs: 540_000,
            });
            installed = true;
          }
        }
        assert.ok(installed, 'the Dockerfile has a pip install step');
        assert.deepEqual(
          ['alembic', 'alembic.ini', 'app'].map((path) => existsSync(join(workdir, path))),
          [true, true, true],
        );
        assert.equal(existsSync(join(workdir, '.env')), false, 'no .env in the image');
        assert.equal(existsSync(join(workdir, 'requirements.txt')), false, 'the install step cleans up');
        // The compose file, read with the YAML parser the image installed (uvicorn[standard] brings PyYAML).
        compose = JSON.parse(
          await mustRun(join(venvBin, 'python'), [
            '-c',
            'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
            join(project, 'docker-compose.yml'),
          ]),
        ) as typeof compose;
      });

      it("db-migrate's command applies the committed migrations", async () => {
        assert.ok(workdir !== '', 'the build step ran');
        const command = compose.services['db-migrate']!.command!;
        assert.equal(command, 'alembic upgrade head');
        const env = containerEnv('db-migrate');
        const output = await mustRun('sh', ['-c', command], { cwd: workdir, env });
        assert.match(output, /Running upgrade {2}-> [0-9a-f]{12}, create users table/);
        assert.match(await mustRun('alembic', ['current'], { cwd: workdir, env }), /\(head\)/);
      });

      it('CMD serves /health with WEB_CONCURRENCY workers; the HEALTHCHECK passes, and fails once it stops', async () => {
        assert.ok(workdir !== '', 'the build step ran');
        const cmd = commandArgs(steps.findLast((step) => step.keyword === 'CMD')!.args);
        const healthcheck = healthcheckCommand(steps.find((step) => step.keyword === 'HEALTHCHECK')!.args);
        const port = await freePort();
        const env: NodeJS.ProcessEnv = { ...containerEnv('app'), PORT: String(port) };
        assert.equal(env['WEB_CONCURRENCY'], '2');
        const server = startProcess(cmd[0]!, cmd.slice(1), workdir, env);
        try {
          const health = await waitForHttp(`http://127.0.0.1:${port}/health`, server, 60_000);
          assert.equal(health.status, 200, health.body);
          assert.deepEqual(JSON.parse(health.body), { status: 'ok', database: 'ok' });
          const check = await run(healthcheck[0]!, healthcheck.slice(1), {
            cwd: workdir,
            env,
            timeoutMs: 10_000,
          });
          assert.equal(check.status, 0, check.output);
        } finally {
          assert.equal(await server.stop(), 0, server.output());
        }
        assert.equal(server.output().match(/Database connection OK/g)?.length, 2, server.output());
        // The HEALTHCHECK fails, by its own exit, when nothing answers.
        await mustFail(healthcheck[0]!, healthcheck.slice(1), { cwd: workdir, env, timeoutMs: 10_000 });
      });

      if (email) {
        /** Run CMD with `env` while `body` calls the API at its base URL; the server's output. */
        const serve = async (
          env: NodeJS.ProcessEnv,
          body: (base: string, output: () => string) => Promise<void>,
        ): Promise<string> => {
          const cmd = commandArgs(steps.findLast((step) => step.keyword === 'CMD')!.args);
          const port = await freePort();
          const server = startProcess(cmd[0]!, cmd.slice(1), workdir, { ...env, PORT: String(port) });
          try {
            const health = await waitForHttp(`http://127.0.0.1:${port}/health`, server, 60_000);
            assert.equal(health.status, 200, health.body);
            await body(`http://127.0.0.1:${port}`, server.output);
          } finally {
            assert.equal(await server.stop(), 0, server.output());
          }
          return server.output();
        };
        const register = async (base: string, username: string) => {
          const user = { username, email: `${username}@example.com`, password: 's3cret-pass' };
          const created = await call(base, 'POST', '/auth/register', { json: user });
          assert.equal(created.status, 201, JSON.stringify(created.json));
        };

        it('mailpit unreachable: the app starts in production and registers; the mail fails after the response, logged', async () => {
          assert.ok(workdir !== '', 'the build step ran');
          const env = containerEnv('app');
          // The compose file's own values: no mailpit host here, nothing listens.
          assert.equal(env['EMAIL_BACKEND'], 'smtp');
          assert.equal(env['SMTP_HOST'], 'mailpit');
          const output = await serve(env, async (base, logged) => {
            await register(base, 'carol');
            // The verification email is sent after the 201; wait for its failure to be logged.
            const deadline = Date.now() + 30_000;
            while (!/Email to carol@example\.com .* not sent/.test(logged()) && Date.now() < deadline) {
              await new Promise((resolve) => setTimeout(resolve, 200));
            }
          });
          assert.match(
            output,
            /Email to carol@example\.com \(.*\) not sent: .*The user can ask for it again\./,
          );
          assert.doesNotMatch(output, /Traceback/);
        });

        it('sends the verification email as the compose file says: plain SMTP to mailpit:1025, no login', async () => {
          assert.ok(workdir !== '', 'the build step ran');
          const sink = await startMailSink(sandbox);
          try {
            const env = containerEnv('app');
            assert.equal(env['SMTP_PORT'], '1025');
            assert.equal(env['SMTP_SECURITY'], 'none');
            // The `mailpit` host of the compose network is the local SMTP server here.
            env['SMTP_HOST'] = '127.0.0.1';
            env['SMTP_PORT'] = String(sink.port);
            const output = await serve(env, async (base) => {
              await register(base, 'dave');
              // FRONTEND_URL from the compose file's default.
              await linkToken(sink, 'dave@example.com', 'http://localhost:3000/verify-email');
            });
            assert.match(output, /Email sent to dave@example\.com/);
            const [message] = sink.received();
            assert.equal(message!.sender, 'no-reply@example.com');
            assert.equal(message!.subject, 'Verify your email address for demo');
          } finally {
            await sink.stop();
          }
        });
      }
    });
  }
});
