/**
 * The questions of `yo forge:model` when no field spec is given: the model's name when it is missing, then one
 * field at a time, each answer checked as it is typed with the rules the field DSL applies.
 */
import type Generator from 'yeoman-generator';
import { CANCELLED } from '../lib/base.js';
import {
  DEFAULT_FORMS,
  FIELD_TYPES,
  fieldNameError,
  modifiersFor,
  parseField,
  TYPE_TABLE,
  type FieldType,
  type Modifier,
} from '../lib/fields.js';
import { linkIds } from '../lib/spec.js';

/** The kinds of relationship a field can be, besides the scalar types. */
const RELATIONS = {
  ref: 'reference to another model (many-to-one)',
  one: 'reference to another model, one-to-one',
  many: 'link to another model (many-to-many)',
} as const;
type Relation = keyof typeof RELATIONS;
type Kind = FieldType | Relation;

/** How each modifier reads in the checkbox list; those with a question take a value, asked after the list. */
const MODIFIER_CHOICES: Record<
  Modifier,
  { name: string; question?: (field: string, type: FieldType) => string }
> = {
  optional: { name: 'optional    nullable: the Python type becomes X | None' },
  unique: { name: 'unique      a unique constraint' },
  index: { name: 'index       an index' },
  max: { name: 'max=N       the string length (255 if not given)', question: (f) => `max: length of ${f}` },
  precision: {
    name: 'precision=N digits in all (12 if not given)',
    question: (f) => `precision: digits in all of ${f}`,
  },
  scale: {
    name: 'scale=N     digits after the point (2 if not given)',
    question: (f) => `scale: digits after the point of ${f}`,
  },
  default: {
    name: 'default=VALUE',
    question: (f, type) => `default: value of ${f} when none is given (${DEFAULT_FORMS[type]})`,
  },
  fk: {
    name: 'fk=table.column a plain foreign key',
    question: (f) => `fk: the column ${f} points at (table.column)`,
  },
};

/** What the generator knows about the model whose fields are asked for. */
export interface FieldQuestions {
  model: string;
  isNew: boolean;
  /** Models a reference may point at, this one left out: it is offered as "<model> (itself)". */
  targets: string[];
  /** Names the model has already: columns, relations, back references, links and their ids. */
  taken: string[];
  /** Why the generator would refuse `spec` for this model (parseField's rules and its own); undefined if none. */
  check: (spec: string) => string | undefined;
}

/** The message of what `check` throws, if it throws: a validate shows it under the question. */
export function refusalOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Ask for fields until an empty name, then confirm; returns their specs (none: an existing model keeps its own). */
export async function askFields(generator: Generator, questions: FieldQuestions): Promise<string[]> {
  const specs: string[] = [];
  const taken = new Set(questions.taken);
  for (;;) {
    const name = await askName(generator, questions, specs.length === 0, taken);
    if (name === '') break;
    const { kind } = await generator.prompt<{ kind: Kind }>({
      type: 'select',
      name: 'kind',
      message: `Type of ${name}`,
      choices: [
        ...FIELD_TYPES.map((value) => ({ value, name: `${value.padEnd(9)} ${TYPE_TABLE[value].python}` })),
        ...Object.entries(RELATIONS).map(([value, label]) => ({ value, name: label })),
      ],
    });
    const names = namesOf(name, kind);
    // A reference is named by its relation (author) and holds a column (author_id): both must be free.
    const nameError = names.map((n) => takenError(n, taken, questions.model)).find((e) => e !== undefined);
    if (nameError !== undefined) {
      generator.log.info(nameError);
      continue;
    }
    let spec = await askDetails(generator, questions, name, kind);
    for (let error = questions.check(spec); error !== undefined; error = questions.check(spec)) {
      generator.log.info(`${error} Fix ${name}:`);
      spec = await askDetails(generator, questions, name, kind);
    }
    specs.push(spec);
    for (const n of names) taken.add(n);
  }
  if (specs.length === 0) return specs;
  const { confirmed } = await generator.prompt<{ confirmed: boolean }>({
    type: 'confirm',
    name: 'confirmed',
    message: questions.isNew
      ? `Create the model with ${specs.join(' ')}?`
      : `Add ${specs.join(' ')} to ${questions.model}?`,
    default: true,
  });
  if (!confirmed) throw new Error(CANCELLED);
  return specs;
}

/** The names a field takes on the model: its column, and for a reference its relation too. */
function namesOf(name: string, kind: Kind): string[] {
  if (kind === 'many') return [name, linkIds({ name })];
  if (kind !== 'ref' && kind !== 'one') return [name];
  const relation = name.replace(/_id$/, '');
  return [relation, `${relation}_id`];
}

/** Why `name` cannot be one more name of the model: the DSL's naming rules, or it is there already. */
function takenError(name: string, taken: ReadonlySet<string>, model: string): string | undefined {
  const error = fieldNameError(name);
  if (error !== undefined) return error;
  return taken.has(name) ? `${model} already has a field or relationship "${name}".` : undefined;
}

/** A field name, checked as typed; empty ends the list (not before a new model has a field). */
async function askName(
  generator: Generator,
  questions: FieldQuestions,
  first: boolean,
  taken: ReadonlySet<string>,
): Promise<string> {
  const { field } = await generator.prompt<{ field: string }>({
    type: 'input',
    name: 'field',
    message: !first
      ? 'Next field name (empty to finish)'
      : questions.isNew
        ? 'First field name (snake_case)'
        : `Name of a field to add to ${questions.model} (snake_case; empty for none)`,
    validate: (input: string) => {
      const name = input.trim();
      if (name === '') return first && questions.isNew ? 'A model needs at least one field.' : true;
      return takenError(name, taken, questions.model) ?? true;
    },
  });
  return field.trim();
}

/** Everything after the name and the type: modifiers and their values, or a reference's target and rules. */
async function askDetails(
  generator: Generator,
  questions: FieldQuestions,
  name: string,
  kind: Kind,
): Promise<string> {
  if (kind === 'ref' || kind === 'one' || kind === 'many') {
    const { target } = await generator.prompt<{ target: string }>({
      type: 'select',
      name: 'target',
      message: kind === 'many' ? 'Linked model' : 'Referenced model',
      choices: [...questions.targets, { value: questions.model, name: `${questions.model} (itself)` }],
    });
    if (kind === 'many') return `${name}:many=${target}`;
    const { optional, ondelete } = await askReferenceRules(generator, true);
    return [name, `${kind}=${target}`, `ondelete=${ondelete}`, ...(optional ? ['optional'] : [])].join(':');
  }
  const { modifiers } = await generator.prompt<{ modifiers: Modifier[] }>({
    type: 'checkbox',
    name: 'modifiers',
    message: `Modifiers of ${name} (space to choose, enter when done)`,
    choices: modifiersFor(kind).map((value) => ({ value, name: MODIFIER_CHOICES[value].name })),
  });
  const parts = [name, kind, ...modifiers.filter((m) => MODIFIER_CHOICES[m].question === undefined)];
  for (const modifier of modifiers) {
    const question = MODIFIER_CHOICES[modifier].question;
    if (question === undefined) continue;
    // precision is checked alone when scale comes next: the pair is checked with scale.
    const later = modifier === 'precision' && modifiers.includes('scale') ? ['scale=0'] : [];
    const answers = await generator.prompt<Record<string, string>>({
      type: 'input',
      name: modifier,
      message: question(name, kind),
      validate: (input: string) =>
        input.includes(':')
          ? 'A value cannot hold ":": the field DSL separates modifiers with it.'
          : (refusalOf(() => parseField([...parts, `${modifier}=${input}`, ...later].join(':'))) ?? true),
    });
    parts.push(`${modifier}=${answers[modifier]}`);
  }
  if (modifiers.includes('fk')) {
    const { ondelete } = await askReferenceRules(generator, false, modifiers.includes('optional'));
    parts.push(`ondelete=${ondelete}`);
  }
  return parts.join(':');
}

/** Optional or not (a reference asks it first), then the on-delete rule: set-null only when optional. */
async function askReferenceRules(
  generator: Generator,
  askOptional: boolean,
  optional = false,
): Promise<{ optional: boolean; ondelete: string }> {
  if (askOptional) {
    ({ optional } = await generator.prompt<{ optional: boolean }>({
      type: 'confirm',
      name: 'optional',
      message: 'Optional (nullable)?',
      default: false,
    }));
  }
  const { ondelete } = await generator.prompt<{ ondelete: string }>({
    type: 'select',
    name: 'ondelete',
    message: 'When the referenced row is deleted',
    choices: ['restrict', 'cascade', ...(optional ? ['set-null'] : [])],
  });
  return { optional, ondelete };
}
