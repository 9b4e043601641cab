/**
 * Edits to generated Python files happen only at needles: marker comments the base project writes, such as
 * `# forge-needle-routers`. Insertion is idempotent (a line already present is not added twice), takes the
 * needle's indentation, and fails with a message naming the file and the line to restore when the needle is gone.
 */

export class NeedleError extends Error {}

export const NEEDLES = {
  modelImports: 'forge-needle-model-imports',
  modelExports: 'forge-needle-model-exports',
  routerImports: 'forge-needle-router-imports',
  routerIncludes: 'forge-needle-router-includes',
} as const;

/**
 * Insert `lines` just above the line holding `# <needle>` in `content` and return the new text.
 * Lines already present in the file (compared without surrounding white space) are skipped.
 */
export function insertAtNeedle(
  content: string,
  needle: string,
  lines: string[],
  fileName = 'the file',
): string {
  const rows = content.split('\n');
  const at = rows.findIndex((row) => row.trim() === `# ${needle}`);
  if (at === -1) {
    throw new NeedleError(
      `Cannot edit ${fileName}: its marker line "# ${needle}" is missing; put it back where new entries belong.`,
    );
  }
  const present = new Set(rows.map((row) => row.trim()));
  const indent = /^\s*/.exec(rows[at]!)![0];
  const added = lines.filter((line) => !present.has(line.trim())).map((line) => indent + line.trim());
  rows.splice(at, 0, ...added);
  return rows.join('\n');
}
