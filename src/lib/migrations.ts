/**
 * Alembic versions as the generator sees them: the revisions in alembic/versions (on disk and those written
 * earlier in the same run), the single head a new migration chains to, and its file name.
 */
import { randomBytes } from 'node:crypto';
import type Generator from 'yeoman-generator';
import { listFiles } from './files.js';

export class MigrationError extends Error {}

interface Revision {
  file: string;
  revision: string;
  downRevisions: string[];
}

function parseRevision(file: string, text: string): Revision | undefined {
  const revision = /^revision(?:\s*:\s*str)?\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
  if (revision === undefined) return undefined;
  const down = /^down_revision[^=\n]*=\s*(.+)$/m.exec(text)?.[1] ?? 'None';
  return { file, revision, downRevisions: [...down.matchAll(/["']([^"']+)["']/g)].map((m) => m[1]!) };
}

/** Every migration file's revision, reading through the generator's in-memory file system. */
export function listRevisions(
  generator: Generator,
  versionsDir = generator.destinationPath('alembic/versions'),
): Revision[] {
  return listFiles(generator, versionsDir)
    .filter((path) => path.endsWith('.py'))
    .map((path) => parseRevision(path, generator.fs.read(path) ?? ''))
    .filter((revision): revision is Revision => revision !== undefined);
}

/** The revision a new migration revises: the only head, or none in an empty project. */
export function currentHead(revisions: readonly Revision[]): string | null {
  const referenced = new Set(revisions.flatMap((r) => r.downRevisions));
  const heads = revisions.filter((r) => !referenced.has(r.revision)).map((r) => r.revision);
  if (heads.length > 1) {
    throw new MigrationError(
      `alembic/versions has ${heads.length} heads (${heads.join(', ')}); merge them first: alembic merge heads -m "merge"`,
    );
  }
  return heads[0] ?? null;
}

export interface NewMigration {
  revision: string;
  downRevision: string | null;
  fileName: string;
  createDate: string;
}

/**
 * Identity of a new migration for `message` (its docstring's first line): random revision, chained to the head,
 * named as alembic.ini's file_template with the message as a slug.
 */
export function newMigration(generator: Generator, message: string, now = new Date()): NewMigration {
  const slug = message
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40)
    .replace(/_+$/, '');
  const revision = randomBytes(6).toString('hex');
  const pad = (value: number) => String(value).padStart(2, '0');
  const stamp =
    `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}` +
    `_${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}`;
  return {
    revision,
    downRevision: currentHead(listRevisions(generator)),
    fileName: `${stamp}_${revision}_${slug}.py`,
    createDate: now.toISOString().replace('T', ' ').replace('Z', '+00:00'),
  };
}
