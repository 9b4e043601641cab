import type { FileEntry } from '../lib/files.js';
import type { DatabaseContext } from '../database/index.js';

/**
 * What forge:email writes: sending (SMTP or the development console), the messages' templates, the verification
 * and password-reset endpoints and their tests. The settings, the token kinds, registration, login and the
 * account's email change follow the project's `email` in their own generators' files.
 */
export const EMAIL_FILES: readonly FileEntry<DatabaseContext>[] = [
  { to: 'app/core/email.py' },
  { to: 'app/templates/email/base.html' },
  { to: 'app/templates/email/verify_email.html' },
  { to: 'app/templates/email/verify_email.txt' },
  { to: 'app/templates/email/reset_password.html' },
  { to: 'app/templates/email/reset_password.txt' },
  { to: 'app/routers/v1/auth_email.py' },
  { to: 'tests/mailbox.py' },
  { to: 'tests/api/test_auth_email.py' },
  { to: 'tests/test_email.py' },
];
