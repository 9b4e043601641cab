/** Naming rules shared by every generator: project names, Python identifiers, table names. */

export const PYTHON_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
  'match',
  'case',
  'type',
  '_',
]);

/**
 * Top-level names a project must not take: they would shadow the generated `app` package, the test and
 * migration folders, or a library the project imports.
 */
const RESERVED_PROJECT_NAMES = new Set([
  'app',
  'alembic',
  'tests',
  'test',
  'fastapi',
  'sqlalchemy',
  'sqlmodel',
  'pydantic',
  'uvicorn',
  'starlette',
  'asyncpg',
  'aiomysql',
  'aiosqlite',
  'pytest',
  'httpx',
  'site',
  'node_modules',
]);

const PROJECT_NAME = /^[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*$/;

/** `my-api` -> `my_api`: the identifier used for database names and the like. */
export function toPackageName(projectName: string): string {
  return projectName.toLowerCase().replace(/-/g, '_');
}

/**
 * Check a project description: it becomes one line of Python, TOML and Markdown. Returns an error message, or
 * undefined when it is valid.
 */
export function descriptionError(description: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f]/.test(description)) return undefined;
  return 'Invalid --description: one line of text is expected, without control characters such as a newline or a tab.';
}

/**
 * Check a project name: it becomes a directory, a PEP 508 distribution name and (snake_cased) a Python
 * identifier and a database name. Returns an error message, or undefined when the name is valid.
 */
export function projectNameError(name: string): string | undefined {
  if (name.length === 0) return 'Project name is empty.';
  if (name.length > 48) return `Project name "${name}" is longer than 48 characters.`;
  if (!PROJECT_NAME.test(name)) {
    return `Invalid project name "${name}": use letters, digits, "-" or "_", starting with a letter (e.g. my-api).`;
  }
  const packageName = toPackageName(name);
  if (PYTHON_KEYWORDS.has(packageName) || PYTHON_KEYWORDS.has(name)) {
    return `Invalid project name "${name}": "${packageName}" is a Python keyword.`;
  }
  if (RESERVED_PROJECT_NAMES.has(packageName)) {
    return `Invalid project name "${name}": it would shadow the "${packageName}" module the project uses.`;
  }
  return undefined;
}

/** `BlogPost` / `blog_post` / `blog-post` -> `blog_post`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

/** `blog_post` / `blog-post` / `blogPost` -> `BlogPost`. */
export function toPascalCase(name: string): string {
  return toSnakeCase(name)
    .split('_')
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** "a Post", "an Article", "a User", "an Update": the article by the sound of the word's start, as far as spelling tells. */
export function withArticle(word: string): string {
  return `${/^([aeio]|u(?!ni|s[aeu]|ti|r[aeo]))/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** English plural of a snake_case word, for table names: post -> posts, category -> categories. */
export function pluralize(word: string): string {
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/** English singular of a snake_case plural, for the ids of a link: tags -> tag, categories -> category. */
export function singularize(word: string): string {
  if (/[^aeiou]ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * A model class name from the command line: present, an identifier, no Python keyword (as written or as its
 * module name), and none of `shadowed` (names the generated modules import). Returns the PascalCase name.
 */
export function parseModelName(raw: string, command: string, shadowed: ReadonlySet<string>): string {
  const name = raw.trim();
  if (name === '') throw new Error(`Model name is missing: yo ${command} <Name> [field specs...]`);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`Model name "${name}" is not an identifier: use letters and digits, e.g. BlogPost.`);
  }
  const pascal = toPascalCase(name);
  if (PYTHON_KEYWORDS.has(name) || PYTHON_KEYWORDS.has(toSnakeCase(pascal))) {
    throw new Error(`Model name "${name}" is a Python keyword.`);
  }
  if (shadowed.has(pascal) || shadowed.has(name)) {
    throw new Error(`Model name "${name}" would shadow a name the generated modules import; choose another.`);
  }
  return pascal;
}

/** Edits (insertions, deletions, substitutions) from `a` to `b`, ignoring case. */
export function editDistance(a: string, b: string): number {
  const [from, to] = [a.toLowerCase(), b.toLowerCase()];
  let previous = Array.from({ length: to.length + 1 }, (_, j) => j);
  for (let i = 1; i <= from.length; i++) {
    const row = [i];
    for (let j = 1; j <= to.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (from[i - 1] === to[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[to.length]!;
}

/** The candidate nearest to `word` (a typo's worth away: two edits, or a third of the word), if one is. */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: [name: string, distance: number] | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name);
    if (distance <= limit && (best === undefined || distance < best[1])) best = [name, distance];
  }
  return best?.[0];
}

/** The end of a refusal naming an unknown model: the closest one, or the list of them. */
export function unknownModel(name: string, models: readonly string[]): string {
  const closest = closestName(name, models);
  return closest === undefined
    ? `no model "${name}"; models: ${models.join(', ') || 'none'}.`
    : `no model "${name}"; did you mean ${closest}?`;
}
