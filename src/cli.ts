#!/usr/bin/env node
/**
 * generator-forge: the forge generators without yo. The generators are registered directly (no lookup of every
 * installed generator), the bundle loads a handful of files, and a refusal is one line on stderr:
 *
 *     generator-forge new my-api [--database postgresql ...]
 *     generator-forge model Post title:str:max=200 author:ref=User
 *     generator-forge crud Post --owner author
 *     generator-forge import domain.yml
 *
 * Exit codes: 0 done (or cancelled by the user's own answer), 1 refused input or a failure, 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The commands, each a generator, with what it does for the usage text. */
const COMMANDS: Record<string, [generator: string, arguments: string, summary: string]> = {
  new: ['app', '[name]', 'a new project (yo forge)'],
  model: ['model', '<Name> [fields...]', 'create or change a model (yo forge:model)'],
  crud: ['crud', '<Name> [fields...]', 'REST endpoints for a model (yo forge:crud)'],
  import: ['import', '<domain.yml>', 'a whole domain from one YAML file (yo forge:import)'],
  auth: ['auth', '', 'JWT authentication for a project made with --no-auth (yo forge:auth)'],
  email: ['email', '', 'email verification and password reset for a project with auth (yo forge:email)'],
  redis: ['redis', '', 'a Redis connection pool, cache helper and shared rate limits (yo forge:redis)'],
  metrics: ['metrics', '', 'Prometheus /metrics and optional OpenTelemetry tracing (yo forge:metrics)'],
  docker: ['docker', '', 'Dockerfile and docker-compose.yml (yo forge:docker)'],
};

/** Options every Yeoman generator has that mean nothing here: left out of the help. */
const GENERIC_OPTIONS = ['--skip-cache', '--force-install', '--ask-answered', '--skip-install-tasks'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

function usage(): string {
  const width = Math.max(
    ...Object.entries(COMMANDS).map(([name, [, args]]) => name.length + args.length + 1),
  );
  return [
    `generator-forge ${version}: production-ready FastAPI services, and the models and endpoints that grow them.`,
    '',
    'Usage: generator-forge <command> [arguments] [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(
      ([name, [, args, summary]]) => `  ${`${name} ${args}`.padEnd(width + 2)}${summary}`,
    ),
    '',
    'Options:',
    "  --help       the command's arguments and options (generator-forge model --help)",
    '  --version    the version',
    "  --verbose    a failure's stack trace",
  ].join('\n');
}

/** A cancel the user chose (answered no): not a failure. */
const cancelled = (error: Error) => error.message.startsWith('Nothing changed: cancelled');

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((arg) => arg !== '--verbose');
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${usage()}\n`);
    return command === undefined ? 1 : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) {
    process.stderr.write(
      `error: unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(', ')} (generator-forge --help)\n`,
    );
    return 1;
  }
  // Loaded for a command only: --help and --version answer without them. The environment's base class comes
  // without yo's lookup and on-the-fly installs (scripts/build.mjs leaves them out of the bundle).
  const [{ QueuedAdapter }, { default: EnvironmentBase }] = await Promise.all([
    import('@yeoman/adapter'),
    import('../node_modules/yeoman-environment/dist/environment-base.js'),
  ]);
  const adapter = new QueuedAdapter();
  // The generators' own messages stay; Yeoman's frame around a refusal ("An error occured while running...") goes.
  const log = adapter.log as unknown as { error: (...args: unknown[]) => unknown };
  const error = log.error.bind(log);
  log.error = (...parts: unknown[]) =>
    verbose || !String(parts[0]).startsWith('An error occured while running') ? error(...parts) : log;
  const Environment = EnvironmentBase as unknown as new (options: object) => {
    register(path: string, meta: { namespace: string }): unknown;
    create(namespace: string, options: object): Promise<{ help(): string }>;
    runGenerator(generator: unknown): Promise<void>;
  };
  const env = new Environment({ cwd: process.cwd(), adapter });
  for (const [name] of Object.values(COMMANDS).concat([['database', '', '']])) {
    env.register(join(root, 'generators', name, 'index.js'), { namespace: `forge:${name}` });
  }
  const namespace = `forge:${entry[0]}`;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      const generator = await env.create(namespace, { generatorArgs: [], generatorOptions: { help: true } });
      // Its usage and USAGE name the yo commands: here they are this bin's.
      const help = generator
        .help()
        .replaceAll(/\byo forge:(\w+)/g, 'generator-forge $1')
        .replaceAll(/\byo forge\b/g, 'generator-forge new')
        .split('\n')
        .filter((line) => !GENERIC_OPTIONS.some((option) => line.includes(option)))
        .join('\n');
      process.stdout.write(`${help}\n`);
      return 0;
    }
    const generator = await env.create(namespace, { generatorArgs: rest });
    await env.runGenerator(generator);
    return 0;
  } catch (caught) {
    const failure = caught instanceof Error ? caught : new Error(String(caught));
    // Ctrl-C at a question: the prompt library catches it (the terminal is in raw mode) and rejects.
    if (failure.name === 'ExitPromptError') return interrupted();
    if (cancelled(failure)) {
      process.stdout.write(`${failure.message}\n`);
      return 0;
    }
    process.stderr.write(`error: ${failure.message}\n`);
    if (verbose && failure.stack) process.stderr.write(`${failure.stack}\n`);
    return 1;
  }
}

function interrupted(): never {
  process.stderr.write('\ninterrupted\n');
  process.exit(130);
}

process.on('SIGINT', interrupted);
process.exitCode = await main(process.argv.slice(2));
