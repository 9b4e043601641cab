import { existsSync, readdirSync } from 'node:fs';

/** The migration file that creates the users table, if the project already has one (a re-run). */
export function findInitialMigration(versionsDir: string): string | undefined {
  if (!existsSync(versionsDir)) return undefined;
  return readdirSync(versionsDir).find((name) => name.endsWith('_create_users_table.py'));
}
