/**
 * Every question of `yo forge` once: its command-line option, its prompt and its default. A question is
 * asked only when its option was not given, the project has no stored answer and --defaults is off.
 */
import type Generator from 'yeoman-generator';
import {
  DATABASE_LABELS,
  DATABASES,
  DEFAULT_DATABASE,
  DEFAULT_ORM,
  ORM_LABELS,
  ORMS,
  type Database,
  type Orm,
} from '../lib/config.js';
import { descriptionError, projectNameError } from '../lib/names.js';

export const DEFAULT_PROJECT_NAME = 'my-api';
export const DEFAULT_DESCRIPTION = 'A FastAPI service with an async database layer.';

export interface Answers {
  projectName: string;
  description: string;
  database: Database;
  orm: Orm;
  docker: boolean;
  auth: boolean;
  email: boolean;
  redis: boolean;
  metrics: boolean;
}

export function declareOptions(generator: Generator): void {
  generator.argument('name', {
    type: String,
    required: false,
    description:
      'Project name (a directory and Python package name, e.g. my-api); "." uses the current directory',
  });
  generator.option('description', { type: String, description: 'One-line project description' });
  generator.option('database', {
    type: String,
    description: `Database: ${DATABASES.join(' | ')} (default ${DEFAULT_DATABASE}; postgresql for production)`,
  });
  generator.option('orm', {
    type: String,
    description: `ORM: ${ORMS.join(' | ')} (default ${DEFAULT_ORM})`,
  });
  generator.option('docker', {
    type: Boolean,
    description:
      'Add a Dockerfile, .dockerignore and docker-compose.yml with forge:docker (--no-docker to skip; default no)',
  });
  generator.option('auth', {
    type: Boolean,
    description:
      'JWT authentication: register, login, refresh, logout, /users/me; admin endpoints for superusers (--no-auth to skip; default yes)',
  });
  generator.option('email', {
    type: Boolean,
    description:
      'With auth: email verification and password reset over SMTP, logged instead of sent in development (forge:email; default no)',
  });
  generator.option('redis', {
    type: Boolean,
    description:
      'Redis: a connection pool, /health reporting it, a cache helper, rate limits shared through it (forge:redis; default no)',
  });
  generator.option('metrics', {
    type: Boolean,
    description:
      'Prometheus /metrics (requests and latencies per route, the database pool) and OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (forge:metrics; default no)',
  });
  generator.option('git', {
    type: Boolean,
    default: true,
    description: 'Start a git repository with one initial commit (--no-git to skip)',
  });
  generator.option('defaults', {
    type: Boolean,
    description: 'Take the default for every question not answered by an option; ask nothing',
    default: false,
  });
}

/**
 * Questions for the answers that are still missing, in the order a person expects them; email only for a project
 * with authentication (`known.auth`, or the answer just given).
 */
export function questions(missing: ReadonlySet<keyof Answers>, known: Partial<Answers>) {
  const all = [
    {
      type: 'input',
      name: 'projectName',
      message: 'Project name',
      default: DEFAULT_PROJECT_NAME,
      validate: (value: string) => projectNameError(value) ?? true,
    },
    {
      type: 'input',
      name: 'description',
      message: 'Description',
      default: DEFAULT_DESCRIPTION,
      validate: (value: string) => descriptionError(value) ?? true,
    },
    {
      type: 'select',
      name: 'database',
      message: 'Database',
      default: DEFAULT_DATABASE,
      choices: DATABASES.map((value) => ({ value, name: DATABASE_LABELS[value] })),
    },
    {
      type: 'select',
      name: 'orm',
      message: 'ORM',
      default: DEFAULT_ORM,
      choices: ORMS.map((value) => ({ value, name: ORM_LABELS[value] })),
    },
    { type: 'confirm', name: 'docker', message: 'Add Docker files?', default: false },
    {
      type: 'confirm',
      name: 'auth',
      message: 'Add JWT authentication (login, refresh tokens, /users/me, superusers)?',
      default: true,
    },
    {
      type: 'confirm',
      name: 'email',
      message: 'Send email: address verification and password reset (SMTP; logged in development)?',
      default: false,
      when: (answers: Partial<Answers>) => (answers.auth ?? known.auth) === true,
    },
    {
      type: 'confirm',
      name: 'redis',
      message: 'Add Redis (a connection pool, a cache helper, rate limits shared by every worker)?',
      default: false,
    },
    {
      type: 'confirm',
      name: 'metrics',
      message: 'Add metrics (Prometheus /metrics; OpenTelemetry tracing when an endpoint is set)?',
      default: false,
    },
  ] as const;
  return all.filter((question) => missing.has(question.name));
}

export const DEFAULT_ANSWERS: Omit<Answers, 'projectName'> = {
  description: DEFAULT_DESCRIPTION,
  database: DEFAULT_DATABASE,
  orm: DEFAULT_ORM,
  docker: false,
  auth: true,
  email: false,
  redis: false,
  metrics: false,
};
