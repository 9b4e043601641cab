/** Files that only an --auth project has (forge:auth writes them, plus the refresh-tokens migration). */
export const AUTH_FILES = [
  '.forge/models/RefreshToken.json',
  'app/cli.py',
  'app/core/rate_limit.py',
  'app/core/tokens.py',
  'app/crud/refresh_token.py',
  'app/models/refresh_token.py',
  'app/routers/dependencies.py',
  'app/routers/v1/account.py',
  'app/routers/v1/auth.py',
  'app/schemas/auth.py',
  'tests/api/test_account.py',
  'tests/api/test_auth.py',
  'tests/api/test_rate_limits.py',
  'tests/api/test_sessions.py',
  'tests/test_cli.py',
];
