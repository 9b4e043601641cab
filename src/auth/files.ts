import type { FileEntry } from '../lib/files.js';
import type { DatabaseContext } from '../database/index.js';

/**
 * What forge:auth writes: JWT authentication's own files. The users model, its schemas and router, the settings
 * and the test fixtures are forge:database's, and follow the project's `auth` in a few lines.
 */
export const AUTH_FILES: readonly FileEntry<DatabaseContext>[] = [
  { to: 'app/core/tokens.py' },
  { to: 'app/core/rate_limit.py' },
  { to: 'app/schemas/auth.py' },
  { to: 'app/crud/refresh_token.py' },
  { to: 'app/routers/dependencies.py' },
  { to: 'app/routers/v1/auth.py' },
  { to: 'app/routers/v1/account.py' },
  { to: 'app/cli.py' },
  { to: 'tests/api/test_auth.py' },
  { to: 'tests/api/test_account.py' },
  { to: 'tests/api/test_sessions.py' },
  { to: 'tests/api/test_rate_limits.py' },
  { to: 'tests/test_cli.py' },
];
