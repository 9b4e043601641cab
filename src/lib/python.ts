/**
 * Edits to generated Python files happen only at needles: marker comments the base project writes, such as
 * `# forge-needle-routers`. Insertion is idempotent (a line already present is not added twice), takes the
 * needle's indentation, and fails with a message naming the file and the line to restore when the needle is gone.
 */

export class NeedleError extends Error {}

/** isort's and ruff's order: by module for imports; CONSTANTS, Classes, then the rest for __all__ entries. */
export function compareSortKeys(a: string, b: string): number {
  const key = (line: string) => {
    const name = line.trim().replace(/^["']|["'],?$/g, '');
    const kind = name === name.toUpperCase() && /[A-Z]/.test(name) ? 0 : /^[A-Z]/.test(name) ? 1 : 2;
    return line.trim().startsWith('from ') ? `0${line.trim()}` : `${kind}${name}`;
  };
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

export const NEEDLES = {
  modelImports: 'forge-needle-model-imports',
  modelExports: 'forge-needle-model-exports',
  routerImports: 'forge-needle-router-imports',
  routerIncludes: 'forge-needle-router-includes',
} as const;

/** `content` without the lines equal to one of `lines` (compared without surrounding white space). */
export function removeLines(content: string, lines: string[]): string {
  const gone = new Set(lines.map((line) => line.trim()));
  return content
    .split('\n')
    .filter((row) => !gone.has(row.trim()))
    .join('\n');
}

/**
 * Insert `lines` just above the line holding `# <needle>` in `content` and return the new text.
 * Lines already present in the file (compared without surrounding white space) are skipped.
 */
export function insertAtNeedle(
  content: string,
  needle: string,
  lines: string[],
  fileName = 'the file',
  options: { sorted?: boolean } = {},
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
  if (!options.sorted) {
    rows.splice(at, 0, ...added);
    return rows.join('\n');
  }
  // Keep the run of lines above the needle sorted (an import block, the entries of __all__); blank lines
  // between that run and the needle stay where they are.
  let end = at;
  while (end > 0 && rows[end - 1]!.trim() === '') end--;
  let start = end;
  const inRun = (row: string) =>
    row.trim() !== '' && /^\s*/.exec(row)![0] === indent && !row.trim().endsWith('[');
  while (start > 0 && inRun(rows[start - 1]!)) start--;
  const block = [...rows.slice(start, end), ...added].sort(compareSortKeys);
  rows.splice(start, end - start, ...block);
  return rows.join('\n');
}
