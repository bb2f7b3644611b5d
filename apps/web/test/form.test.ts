import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '@neural-style/api';
import { StyleOptionsSchema } from '@neural-style/vocabulary';
import { readApiDescription, type ApiDescription } from '../src/api-description.js';
import {
  describeField,
  describeNumber,
  differsFromDefault,
  labelOf,
  parseNumber,
  parseNumbers,
  type OptionField,
} from '../src/option-fields.js';

/** The form comes from the OpenAPI document the API serves, which comes from StyleOptionsSchema. */

let document: Record<string, unknown>;
let description: ApiDescription;
let fields: Map<string, OptionField>;

beforeAll(async () => {
  document = await buildOpenApiDocument();
  description = readApiDescription(document);
  fields = new Map(
    Object.entries(description.options).map(([name, schema]) => [name, describeField(name, schema)]),
  );
});

describe('the option form from the served OpenAPI document', () => {
  it('has one field per option of StyleOptionsSchema, with its description and default', () => {
    expect([...fields.keys()]).toEqual(Object.keys(StyleOptionsSchema.shape));
    const defaults = StyleOptionsSchema.parse({});
    for (const [name, field] of fields) {
      const schema = StyleOptionsSchema.shape[name as keyof typeof StyleOptionsSchema.shape];
      expect(field.help, name).toBe(schema.description);
      expect(field.default, name).toEqual(defaults[name as keyof typeof defaults]);
      expect(field.kind, name).not.toBe('json');
    }
  });

  it('carries ranges, integers and choices', () => {
    expect(fields.get('size')).toMatchObject({ kind: 'number', integer: true, minimum: 16, maximum: 4096 });
    expect(fields.get('learningRate')).toMatchObject({ kind: 'number', integer: false, exclusiveMinimum: 0 });
    expect(fields.get('preserveColors')).toMatchObject({
      kind: 'choice',
      choices: ['none', 'luminance', 'histogram'],
      default: 'none',
    });
    expect(fields.get('multiscale')).toMatchObject({ kind: 'boolean', default: false });
    expect(fields.get('styleLayers')).toMatchObject({ kind: 'choices', minItems: 1 });
    expect(fields.get('styleLayerWeights')).toMatchObject({ kind: 'numbers', default: undefined });
  });

  it("reads the style weight's range and the optional multipart parts", () => {
    expect(describeNumber('weight', description.styleWeight)).toMatchObject({
      exclusiveMinimum: 0,
      maximum: 1000,
    });
    expect(description.initImage).toBe(true);
  });

  it('offers a mask picker once the multipart body has a mask part', () => {
    const components = structuredClone(document.components) as {
      schemas: Record<string, { properties: Record<string, unknown> }>;
    };
    components.schemas['CreateJobMultipartInput']!.properties['mask'] = { type: 'string', format: 'binary' };
    expect(readApiDescription({ ...document, components }).masks).toBe(true);
    delete components.schemas['CreateJobMultipartInput']!.properties['mask'];
    expect(readApiDescription({ ...document, components }).masks).toBe(false);
  });

  it('refuses a document without the POST /jobs options', () => {
    expect(() => readApiDescription({ openapi: '3.1.0', paths: {} })).toThrow(/options schema/);
  });
});

describe('field checks', () => {
  const size = () => fields.get('size') as Extract<OptionField, { kind: 'number' }>;

  it('enforces the schema range and integers; empty means the default', () => {
    expect(parseNumber(size(), '256')).toEqual({ ok: true, value: 256 });
    expect(parseNumber(size(), '')).toEqual({ ok: true, value: undefined });
    expect(parseNumber(size(), '8')).toEqual({ ok: false, error: 'Enter a number 16 to 4096' });
    expect(parseNumber(size(), '300.5')).toEqual({ ok: false, error: 'Enter a whole number' });
    expect(parseNumber(size(), 'big')).toEqual({ ok: false, error: 'Enter a number' });
    const rate = fields.get('learningRate') as Extract<OptionField, { kind: 'number' }>;
    expect(parseNumber(rate, '0')).toEqual({
      ok: false,
      error: 'Enter a number greater than 0, at most 1000',
    });
  });

  it('agrees with the API: what the form accepts, StyleOptionsSchema accepts', () => {
    for (const raw of ['16', '4096', '15', '4097', '64.5']) {
      const parsed = parseNumber(size(), raw);
      expect(parsed.ok, raw).toBe(StyleOptionsSchema.safeParse({ size: Number(raw) }).success);
    }
  });

  it('parses number lists item by item', () => {
    const weights = fields.get('styleLayerWeights') as Extract<OptionField, { kind: 'numbers' }>;
    expect(parseNumbers(weights, '1, 0.5 2')).toEqual({ ok: true, value: [1, 0.5, 2] });
    const refused = parseNumbers(weights, '1, -1');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toMatch(/^"-1": enter a number (at least 0|0 to \d+)$/);
  });

  it('sends only what differs from the default', () => {
    expect(differsFromDefault(size(), 512)).toBe(false);
    expect(differsFromDefault(size(), 256)).toBe(true);
    expect(differsFromDefault(size(), undefined)).toBe(false);
    expect(
      differsFromDefault(fields.get('styleLayers')!, ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1']),
    ).toBe(false);
  });

  it('labels camelCase names in words', () => {
    expect(labelOf('styleWeight')).toBe('Style weight');
    expect(labelOf('multiscaleMinSize')).toBe('Multiscale min size');
  });
});
