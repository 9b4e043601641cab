import { randomBytes } from 'node:crypto';
import type Generator from 'yeoman-generator';
import type { ForgeConfig } from '../lib/config.js';
import { renderFiles, type FileEntry } from '../lib/files.js';
import { writeBuiltinModels } from '../lib/models.js';
import { projectContext } from '../lib/registry.js';
import type { DatabaseContext } from './index.js';

/** Long enough to pass the settings' validation, plainly not a secret, and refused in production. */
const SECRET_KEY_PLACEHOLDER = 'change-me-to-a-random-secret-of-at-least-32-characters';

/**
 * What forge:database writes: the database layer, the users resource, Alembic, settings and tests (forge:auth
 * writes authentication's own files; these follow the project's `auth` in a few lines).
 */
export const DATABASE_FILES: readonly FileEntry<DatabaseContext>[] = [
  { to: 'pyproject.toml' },
  { to: '.env.example', from: 'env.example', with: () => ({ secretKey: SECRET_KEY_PLACEHOLDER }) },
  {
    to: '.env',
    from: 'env.example',
    onlyIfAbsent: true,
    with: () => ({ secretKey: randomBytes(48).toString('base64url') }),
    // The secret key and database passwords: readable by the owner only.
    mode: 0o600,
  },
  { to: 'app/core/config.py', with: () => ({ secretKeyPlaceholder: SECRET_KEY_PLACEHOLDER }) },
  { to: 'app/core/security.py' },
  { to: 'app/core/common_passwords.txt' },
  { to: 'app/core/database/__init__.py' },
  { to: 'app/core/database/base.py' },
  { to: 'app/core/database/types.py' },
  { to: 'app/core/database/connection.py' },
  { to: 'app/core/database/dependencies.py' },
  { to: 'app/core/database/faults.py' },
  { to: 'app/core/database/sqlite.py', when: (c) => c.isSqlite },
  {
    to: (c) => `app/core/database/${c.database}.py`,
    from: 'app/core/database/_server.py',
    when: (c) => !c.isSqlite,
  },
  { to: 'app/models/__init__.py' },
  { to: 'app/schemas/__init__.py' },
  { to: 'app/schemas/types.py' },
  { to: 'app/schemas/listing.py' },
  { to: 'app/schemas/user.py' },
  { to: 'app/crud/__init__.py' },
  { to: 'app/crud/conflicts.py' },
  { to: 'app/crud/listing.py' },
  { to: 'app/crud/user.py' },
  { to: 'app/routers/params.py' },
  { to: 'app/routers/v1/users.py' },
  { to: 'alembic.ini' },
  { to: 'alembic/env.py' },
  { to: 'alembic/script.py.mako' },
  { to: 'tests/__init__.py' },
  { to: 'tests/conftest.py' },
  { to: 'tests/test_config.py' },
  { to: 'tests/test_database.py' },
  { to: 'tests/test_user_crud.py' },
  { to: 'tests/api/__init__.py' },
  { to: 'tests/api/test_users.py' },
];

/** Render the database layer for `config`, and the users model (forge:auth renders it again when it adds auth). */
export function writeDatabaseFiles(generator: Generator, config: ForgeConfig, templates?: string): void {
  renderFiles(generator, DATABASE_FILES, projectContext(generator, config), templates);
  writeBuiltinModels(generator, config, (model) => model.authOnly !== true);
}
