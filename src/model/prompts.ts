/** Asking for fields one by one when `yo forge:model Name` is given none. */
import type Generator from 'yeoman-generator';
import { FIELD_TYPES, ON_DELETE, parseField, TYPE_TABLE, type FieldSpec } from '../lib/fields.js';

const REFERENCE = 'ref';
const ONE = 'one';
const MANY = 'many';

/** Ask for fields until an empty name; each answer is checked as the DSL would check it. */
export async function askFields(generator: Generator, models: string[]): Promise<string[]> {
  const specs: string[] = [];
  for (;;) {
    const { name } = await generator.prompt<{ name: string }>({
      type: 'input',
      name: 'name',
      message: specs.length === 0 ? 'First field name (snake_case)' : 'Next field name (empty to finish)',
    });
    if (name.trim() === '') {
      if (specs.length > 0) break;
      continue;
    }
    const { type } = await generator.prompt<{ type: string }>({
      type: 'select',
      name: 'type',
      message: `Type of ${name}`,
      choices: [
        ...FIELD_TYPES.map((value) => ({ value, name: `${value.padEnd(9)} ${TYPE_TABLE[value].python}` })),
        ...(models.length > 0
          ? [
              { value: REFERENCE, name: 'reference to another model (many-to-one)' },
              { value: ONE, name: 'reference to another model, one-to-one' },
              { value: MANY, name: 'link to another model (many-to-many)' },
            ]
          : []),
      ],
    });
    const parts = [name.trim()];
    if (type === MANY) {
      const { target } = await generator.prompt<{ target: string }>({
        type: 'select',
        name: 'target',
        message: 'Linked model',
        choices: models,
      });
      specs.push(`${name.trim()}:many=${target}`);
      continue;
    }
    if (type === REFERENCE || type === ONE) {
      const answers = await generator.prompt<{ target: string; optional: boolean; ondelete: string }>([
        { type: 'select', name: 'target', message: 'Referenced model', choices: models },
        { type: 'confirm', name: 'optional', message: 'Optional (nullable)?', default: false },
        {
          type: 'select',
          name: 'ondelete',
          message: 'When the referenced row is deleted',
          choices: ['restrict', 'cascade', 'set-null'],
        },
      ]);
      parts.push(`${type}=${answers.target}`, `ondelete=${answers.ondelete}`);
      if (answers.optional) parts.push('optional');
    } else {
      const { modifiers } = await generator.prompt<{ modifiers: string }>({
        type: 'input',
        name: 'modifiers',
        message: `Modifiers for ${name}, ":"-separated (max=N, unique, index, optional, default=VALUE, fk=table.column, ondelete=${ON_DELETE.join('|')}), or empty`,
        default: '',
      });
      parts.push(type, ...modifiers.split(':').filter((m) => m.trim() !== ''));
    }
    const spec = parts.join(':');
    try {
      parseField(spec);
      specs.push(spec);
    } catch (error) {
      generator.log.error((error as Error).message);
    }
  }
  const { confirmed } = await generator.prompt<{ confirmed: boolean }>({
    type: 'confirm',
    name: 'confirmed',
    message: `Create the model with ${specs.join(' ')}?`,
    default: true,
  });
  if (!confirmed) throw new Error('Cancelled: no field confirmed, nothing written.');
  return specs;
}

export function describeField(field: FieldSpec): string {
  return field.ref ? `${field.relation} -> ${field.ref}` : `${field.name}: ${field.type}`;
}
