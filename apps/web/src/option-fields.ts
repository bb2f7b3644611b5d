import type { JsonSchema } from './api-description.js';

/**
 * Form fields from the options' JSON Schema, and the checks the API will apply (ranges, integers,
 * enums), so a refusal shows next to the field before anything is sent. Pure functions: tested in Node.
 */

export type OptionField =
  | NumberField
  | {
      kind: 'choice';
      name: string;
      label: string;
      help: string;
      default: string | undefined;
      choices: string[];
    }
  | { kind: 'boolean'; name: string; label: string; help: string; default: boolean }
  | ChoicesField
  | {
      kind: 'numbers';
      name: string;
      label: string;
      help: string;
      default: number[] | undefined;
      item: NumberField;
    }
  | { kind: 'json'; name: string; label: string; help: string; default: unknown };

export interface NumberField {
  kind: 'number';
  name: string;
  label: string;
  help: string;
  default: number | undefined;
  integer: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export interface ChoicesField {
  kind: 'choices';
  name: string;
  label: string;
  help: string;
  default: string[] | undefined;
  choices: string[];
  minItems: number;
}

/** "styleWeight" → "Style weight". */
export function labelOf(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function typeOf(schema: JsonSchema): string | undefined {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return types.find((type) => type !== 'null');
}

const isStrings = (values: unknown[] | undefined): values is string[] =>
  Array.isArray(values) && values.every((value) => typeof value === 'string');

export function describeField(name: string, schema: JsonSchema): OptionField {
  const base = { name, label: labelOf(name), help: schema.description ?? '' };
  const type = typeOf(schema);
  if (isStrings(schema.enum)) {
    return { ...base, kind: 'choice', default: optional(schema.default, 'string'), choices: schema.enum };
  }
  if (type === 'integer' || type === 'number') return describeNumber(name, schema);
  if (type === 'boolean') return { ...base, kind: 'boolean', default: schema.default === true };
  if (type === 'array' && schema.items) {
    const items = schema.items;
    if (isStrings(items.enum)) {
      return {
        ...base,
        kind: 'choices',
        default: isStrings(schema.default as unknown[]) ? (schema.default as string[]) : undefined,
        choices: items.enum,
        minItems: schema.minItems ?? 0,
      };
    }
    const itemType = typeOf(items);
    if (itemType === 'number' || itemType === 'integer') {
      return {
        ...base,
        kind: 'numbers',
        default: Array.isArray(schema.default) ? (schema.default as number[]) : undefined,
        item: describeNumber(name, items),
      };
    }
  }
  return { ...base, kind: 'json', default: schema.default };
}

export function describeNumber(name: string, schema: JsonSchema): NumberField {
  return {
    kind: 'number',
    name,
    label: labelOf(name),
    help: schema.description ?? '',
    default: optional(schema.default, 'number'),
    integer: typeOf(schema) === 'integer',
    ...(schema.minimum !== undefined ? { minimum: schema.minimum } : {}),
    ...(schema.maximum !== undefined ? { maximum: schema.maximum } : {}),
    ...(schema.exclusiveMinimum !== undefined ? { exclusiveMinimum: schema.exclusiveMinimum } : {}),
    ...(schema.exclusiveMaximum !== undefined ? { exclusiveMaximum: schema.exclusiveMaximum } : {}),
  };
}

function optional<T extends 'string' | 'number'>(
  value: unknown,
  type: T,
): (T extends 'string' ? string : number) | undefined {
  return typeof value === type ? (value as T extends 'string' ? string : number) : undefined;
}

/** "16 to 4096", "greater than 0", "at least 0": the range in words, for help texts and errors. */
export function rangeText(field: NumberField): string {
  const low =
    field.exclusiveMinimum !== undefined
      ? `greater than ${field.exclusiveMinimum}`
      : field.minimum !== undefined
        ? `at least ${field.minimum}`
        : '';
  const high =
    field.exclusiveMaximum !== undefined
      ? `less than ${field.exclusiveMaximum}`
      : field.maximum !== undefined
        ? `at most ${field.maximum}`
        : '';
  if (field.minimum !== undefined && field.maximum !== undefined)
    return `${field.minimum} to ${field.maximum}`;
  return [low, high].filter(Boolean).join(', ');
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

const ok = (value: unknown): Parsed => ({ ok: true, value });
const refuse = (error: string): Parsed => ({ ok: false, error });

/** A typed number checked against the field's range; empty means "the default" (value undefined). */
export function parseNumber(field: NumberField, raw: string): Parsed {
  const text = raw.trim();
  if (text === '') return ok(undefined);
  const value = Number(text);
  if (!Number.isFinite(value)) return refuse('Enter a number');
  if (field.integer && !Number.isInteger(value)) return refuse('Enter a whole number');
  const outside =
    (field.minimum !== undefined && value < field.minimum) ||
    (field.maximum !== undefined && value > field.maximum) ||
    (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) ||
    (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum);
  return outside ? refuse(`Enter a number ${rangeText(field)}`) : ok(value);
}

/** "1, 0.5, 2" → [1, 0.5, 2], each item checked; empty means the default. */
export function parseNumbers(field: Extract<OptionField, { kind: 'numbers' }>, raw: string): Parsed {
  if (raw.trim() === '') return ok(undefined);
  const values: number[] = [];
  for (const part of raw.split(/[\s,]+/).filter(Boolean)) {
    const parsed = parseNumber(field.item, part);
    if (!parsed.ok) return refuse(`"${part}": ${parsed.error.toLowerCase()}`);
    values.push(parsed.value as number);
  }
  return ok(values);
}

export function parseJson(raw: string): Parsed {
  if (raw.trim() === '') return ok(undefined);
  try {
    return ok(JSON.parse(raw));
  } catch {
    return refuse('Enter JSON, e.g. [1, 2] or "text"');
  }
}

export function checkChoices(field: ChoicesField, selected: string[]): Parsed {
  if (selected.length < field.minItems) {
    return refuse(field.minItems === 1 ? 'Pick at least one' : `Pick at least ${field.minItems}`);
  }
  return ok(selected);
}

/** Only what differs from the default is sent: the server fills in the rest from the same schema. */
export function differsFromDefault(field: OptionField, value: unknown): boolean {
  if (value === undefined) return false;
  return JSON.stringify(value) !== JSON.stringify(field.default);
}

/** The default in words, for the help text. */
export function defaultText(field: OptionField): string {
  const value = field.default;
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}
