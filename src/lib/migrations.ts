/**
 * Alembic versions as the generator sees them: the revisions in alembic/versions (on disk and those written
 * earlier in the same run), the single head a new migration chains to, and its file name.
 */
import { randomBytes } from 'node:crypto';
import type Generator from 'yeoman-generator';
import { listFiles } from './files.js';

export class MigrationError extends Error {}

export interface Revision {
  file: string;
  revision: string;
  downRevisions: string[];
}

export function parseRevision(file: string, text: string): Revision | undefined {
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

/** Revisions that revise one another, oldest first: the first revises none of them. */
export function inChainOrder(revisions: readonly Revision[]): Revision[] {
  const ours = new Set(revisions.map((r) => r.revision));
  const chain: Revision[] = [];
  let next = revisions.find((r) => !r.downRevisions.some((d) => ours.has(d)));
  while (next !== undefined) {
    chain.push(next);
    const { revision } = next;
    next = revisions.find((r) => r.downRevisions.includes(revision));
  }
  return chain;
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
  return migrationIdentity(message, currentHead(listRevisions(generator)), now);
}

/** Identity of a new migration for `message` that revises `downRevision`. */
export function migrationIdentity(
  message: string,
  downRevision: string | null,
  now = new Date(),
): NewMigration {
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
    downRevision,
    fileName: `${stamp}_${revision}_${slug}.py`,
    createDate: now.toISOString().replace('T', ' ').replace('Z', '+00:00'),
  };
}

/** A migration file as forge writes it, in parts. */
interface MigrationParts {
  message: string;
  /** Lines of the docstring between its first line and `Revision ID:` (what upgrade() deletes). */
  notes: string[];
  imports: string[];
  /** Module-level helpers (`def _require_values...`), each whole. */
  helpers: string[];
  upgrade: string;
  downgrade: string;
}

function migrationParts(text: string): MigrationParts {
  const docstring = /^"""([^\n]*)\n([^]*?)Revision ID:[^]*?\n"""\n/.exec(text);
  const upgradeAt = text.indexOf('\ndef upgrade() -> None:\n');
  const downgradeAt = text.indexOf('\ndef downgrade() -> None:\n');
  const identifiers = text.indexOf('# revision identifiers');
  if (docstring === null || upgradeAt < 0 || downgradeAt < upgradeAt || identifiers < 0) {
    throw new MigrationError('a migration of this run is not in the form forge writes; cannot merge it');
  }
  const header = text.slice(docstring[0].length, identifiers);
  const afterIdentifiers = text.slice(text.indexOf('depends_on', identifiers), upgradeAt);
  const helpers = afterIdentifiers
    .split(/\n(?=def |async def )/)
    .slice(1)
    .map((helper) => helper.trim());
  return {
    message: docstring[1]!,
    notes: docstring[2]!.split('\n').filter((line) => line.trim() !== ''),
    imports: header.split('\n').filter((line) => /^(from|import) /.test(line)),
    helpers,
    upgrade: text.slice(upgradeAt + '\ndef upgrade() -> None:\n'.length, downgradeAt).trimEnd(),
    downgrade: text.slice(downgradeAt + '\ndef downgrade() -> None:\n'.length).trimEnd(),
  };
}

/**
 * One migration doing what `texts` (forge's migration files, oldest first, each revising the one before) do in
 * turn: upgrade() runs their upgrades in order, downgrade() their downgrades in reverse order.
 */
export function mergeMigrations(texts: readonly string[], message: string, identity: NewMigration): string {
  const parts = texts.map(migrationParts);
  const imports = [...new Set(parts.flatMap((p) => p.imports))];
  const standard = imports.filter((line) => /^from (collections|typing)[. ]/.test(line)).sort();
  const third = imports
    .filter((line) => !standard.includes(line))
    .sort((a, b) => Number(a.startsWith('from ')) - Number(b.startsWith('from ')) || a.localeCompare(b));
  const helpers = new Map<string, string>();
  for (const helper of parts.flatMap((p) => p.helpers)) helpers.set(helper.split('(')[0]!, helper);
  const bodies = (key: 'upgrade' | 'downgrade', order: MigrationParts[]) => {
    const real = order.map((p) => p[key]).filter((body) => body.trim() !== 'pass');
    return real.length > 0 ? real.join('\n') : '    pass';
  };
  return [
    `"""${message}`,
    '',
    ...parts.flatMap((p) => p.notes),
    ...(parts.some((p) => p.notes.length > 0) ? [''] : []),
    'In order:',
    ...parts.map((p) => `- ${p.message}`),
    '',
    `Revision ID: ${identity.revision}`,
    `Revises:${identity.downRevision ? ` ${identity.downRevision}` : ''}`,
    `Create Date: ${identity.createDate}`,
    '',
    '"""',
    '',
    ...standard,
    '',
    ...third,
    '',
    '# revision identifiers, used by Alembic.',
    `revision: str = "${identity.revision}"`,
    `down_revision: str | None = ${identity.downRevision ? `"${identity.downRevision}"` : 'None'}`,
    'branch_labels: str | Sequence[str] | None = None',
    'depends_on: str | Sequence[str] | None = None',
    ...[...helpers.values()].flatMap((helper) => ['', '', helper]),
    '',
    '',
    'def upgrade() -> None:',
    bodies('upgrade', parts),
    '',
    '',
    'def downgrade() -> None:',
    bodies('downgrade', [...parts].reverse()),
    '',
  ].join('\n');
}
