import { z } from 'zod';

import { StyleOptionsSchema, type StyleOptionsInput } from '@neural-style/vocabulary';

/**
 * Flags for the engine options, derived from StyleOptionsSchema's JSON Schema (types, enums, bounds,
 * defaults, descriptions), so a new or changed option reaches the CLI and its --help without edits here.
 */
export type OptionKey = keyof StyleOptionsInput & string;

export type ValueKind =
  | { type: 'integer' | 'number'; minimum?: number; maximum?: number; exclusiveMinimum?: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'boolean' }
  | { type: 'list'; item: { type: 'number' } | { type: 'enum'; values: readonly string[] } };

export interface OptionFlag {
  /** Kebab-case, without the dashes: "style-weight". */
  name: string;
  key: OptionKey;
  kind: ValueKind;
  description: string;
  default?: unknown;
}

interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  default?: unknown;
  description?: string;
  items?: JsonSchemaNode;
}

export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function scalarKind(key: string, node: JsonSchemaNode): ValueKind {
  if (node.enum) return { type: 'enum', values: node.enum.map(String) };
  if (node.type === 'integer' || node.type === 'number') {
    return {
      type: node.type,
      minimum: node.minimum,
      maximum: node.maximum,
      exclusiveMinimum: node.exclusiveMinimum,
    };
  }
  if (node.type === 'boolean') return { type: 'boolean' };
  // Fails at start-up (and in the CLI tests) when the schema grows an option the CLI cannot express.
  throw new Error(`style option ${key} has a type the CLI does not support (${JSON.stringify(node)})`);
}

function kindOf(key: string, node: JsonSchemaNode): ValueKind {
  if (node.type !== 'array') return scalarKind(key, node);
  const item = scalarKind(key, node.items ?? {});
  if (item.type === 'enum') return { type: 'list', item };
  if (item.type === 'number' || item.type === 'integer') return { type: 'list', item: { type: 'number' } };
  throw new Error(`style option ${key} is a list of ${item.type}, which the CLI does not support`);
}

function deriveOptionFlags(): OptionFlag[] {
  const json = z.toJSONSchema(StyleOptionsSchema, { io: 'input' }) as {
    properties?: Record<string, JsonSchemaNode>;
  };
  return Object.entries(json.properties ?? {}).map(([key, node]) => ({
    name: kebabCase(key),
    key: key as OptionKey,
    kind: kindOf(key, node),
    description: node.description ?? '',
    default: node.default,
  }));
}

export const OPTION_FLAGS: readonly OptionFlag[] = deriveOptionFlags();

/** A flag's value as the user typed it, converted to what the schema expects (range checks stay in zod). */
export function convertValue(flag: OptionFlag, raw: string): unknown {
  const { kind } = flag;
  switch (kind.type) {
    case 'integer':
    case 'number':
      return toNumber(flag.name, raw);
    case 'enum':
      return raw;
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new FlagValueError(flag.name, `expected true or false, got "${raw}"`);
    case 'list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      return kind.item.type === 'number' ? items.map((item) => toNumber(flag.name, item)) : items;
    }
  }
}

export class FlagValueError extends Error {
  constructor(
    readonly flag: string,
    problem: string,
  ) {
    super(`--${flag}: ${problem}`);
  }
}

function toNumber(flag: string, raw: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new FlagValueError(flag, `expected a number, got "${raw}"`);
  return value;
}

/** Validates collected option values with the schema; problems come back as "--flag: ..." phrases. */
export function validateOptions(
  input: Record<string, unknown>,
): { ok: true; options: z.output<typeof StyleOptionsSchema> } | { ok: false; problems: string[] } {
  const parsed = StyleOptionsSchema.safeParse(input);
  if (parsed.success) return { ok: true, options: parsed.data };
  return { ok: false, problems: parsed.error.issues.map(describeIssue) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const [key, index] = issue.path;
  const flag = typeof key === 'string' ? `--${kebabCase(key)}` : 'options';
  const where = typeof index === 'number' ? `${flag}: item ${index + 1}` : `${flag}:`;
  return `${where} ${issueText(issue)}`;
}

function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      if (issue.origin === 'array') return `takes at most ${issue.maximum} values`;
      return issue.inclusive === false
        ? `must be less than ${issue.maximum}`
        : `must be at most ${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${issue.minimum} value(s)`;
      return issue.inclusive === false
        ? `must be greater than ${issue.minimum}`
        : `must be at least ${issue.minimum}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be an integer' : `must be a ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
}
