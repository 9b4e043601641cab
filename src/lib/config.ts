/**
 * The project's identity, stored once in `.yo-rc.json` under the `generator-forge` key and read by every
 * sub-generator. The option choices live here so prompts, CLI validation and templates share one list.
 */
import { pyString } from './render.js';

export const DATABASES = ['sqlite', 'postgresql', 'mysql'] as const;
export type Database = (typeof DATABASES)[number];

export const ORMS = ['sqlmodel', 'sqlalchemy'] as const;
export type Orm = (typeof ORMS)[number];

export const DEFAULT_DATABASE: Database = 'sqlite';
export const DEFAULT_ORM: Orm = 'sqlmodel';

export interface ForgeConfig {
  /** Distribution and directory name, e.g. `my-api`. */
  projectName: string;
  /** Python identifier derived from the project name, e.g. `my_api` (database names, file names). */
  packageName: string;
  description: string;
  database: Database;
  orm: Orm;
  docker: boolean;
  /** JWT authentication: register, login, refresh, logout, /users/me; admin endpoints for superusers. */
  auth: boolean;
  /** With auth: email verification and password reset, sent over SMTP (or logged, in development). */
  email: boolean;
  /** A Redis connection pool (REDIS_URL), /health reporting it, the cache helper, rate limits shared through it. */
  redis: boolean;
  /** Prometheus /metrics (requests per route, the database pool) and OpenTelemetry tracing when configured. */
  metrics: boolean;
}

/** Human labels for prompts and help, with the production recommendation spelled out. */
export const DATABASE_LABELS: Record<Database, string> = {
  sqlite: 'SQLite (aiosqlite) - embedded, no server needed',
  postgresql: 'PostgreSQL (asyncpg) - recommended for production',
  mysql: 'MySQL 8 / MariaDB (aiomysql)',
};

export const ORM_LABELS: Record<Orm, string> = {
  sqlmodel: 'SQLModel (pydantic + SQLAlchemy models in one class)',
  sqlalchemy: 'SQLAlchemy 2.0 (typed Mapped / mapped_column models)',
};

/** Validate a value against a fixed list of choices; the error lists the valid ones. */
export function parseChoice<T extends string>(option: string, value: unknown, choices: readonly T[]): T {
  const normalized = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (typeof normalized === 'string' && (choices as readonly string[]).includes(normalized)) {
    return normalized as T;
  }
  throw new Error(`Invalid --${option} "${String(value)}": expected one of ${choices.join(', ')}.`);
}

/** Precomputed flags and values that every template receives, so templates never compare strings. */
export function templateContext(config: ForgeConfig) {
  const { database, orm, packageName } = config;
  const urls = databaseUrls(database, packageName);
  return {
    ...config,
    defaultDatabaseUrl: urls.url,
    defaultTestDatabaseUrl: urls.testUrl ?? '',
    exampleUrl: urls.example,
    testDatabaseNote:
      database === 'sqlite'
        ? 'unset: a temporary file, deleted after the run'
        : 'created empty for each run and dropped afterwards',
    driverRequirements: DRIVER_REQUIREMENTS[database],
    /** A Python string literal of the text, quoted as ruff format quotes it. */
    pyString,
    /** A model attribute inside a SQL expression: SQLModel types it as its Python value, so it wraps it in col(). */
    column: (attribute: string) => (orm === 'sqlmodel' ? `col(${attribute})` : attribute),
    isPostgresql: database === 'postgresql',
    isMysql: database === 'mysql',
    isSqlite: database === 'sqlite',
    isSqlmodel: orm === 'sqlmodel',
    isSqlalchemy: orm === 'sqlalchemy',
    /** Backend module in app/core/database/ that builds the engine. */
    backendModule: database,
    databaseLabel: { sqlite: 'SQLite', postgresql: 'PostgreSQL', mysql: 'MySQL' }[database],
    /** The server's container image, for docker-compose.yml and the CI workflow's service. */
    databaseImage: DATABASE_IMAGES[database],
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;

/** Local development URLs written into `.env`: the servers' default ports on the loopback address. */
export function databaseUrls(database: Database, packageName: string) {
  switch (database) {
    case 'postgresql':
      return {
        url: `postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/${packageName}`,
        testUrl: `postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/${packageName}_test`,
        example: 'postgresql+asyncpg://user:password@host:5432/dbname',
      };
    case 'mysql':
      return {
        url: `mysql+aiomysql://root@127.0.0.1:3306/${packageName}?charset=utf8mb4`,
        testUrl: `mysql+aiomysql://root@127.0.0.1:3306/${packageName}_test?charset=utf8mb4`,
        example: 'mysql+aiomysql://user:password@host:3306/dbname?charset=utf8mb4',
      };
    case 'sqlite':
      return {
        url: `sqlite+aiosqlite:///./${packageName}.db`,
        testUrl: undefined,
        example: 'sqlite+aiosqlite:///./app.db or sqlite+aiosqlite:///:memory:',
      };
  }
}

const DATABASE_IMAGES: Record<Database, string | undefined> = {
  postgresql: 'postgres:15-alpine',
  mysql: 'mysql:8.0',
  sqlite: undefined,
};

/** PEP 508 requirements of the database driver (MySQL 8's caching_sha2_password needs cryptography). */
export const DRIVER_REQUIREMENTS: Record<Database, string[]> = {
  postgresql: ['asyncpg>=0.30'],
  mysql: ['aiomysql>=0.2', 'cryptography>=43'],
  sqlite: ['aiosqlite>=0.20'],
};
