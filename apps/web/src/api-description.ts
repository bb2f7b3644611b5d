/**
 * What the page learns from the served OpenAPI document: the engine options as JSON Schema (the very
 * schema the API validates with, StyleOptionsSchema), the style weight's range, and which optional
 * multipart parts this server takes (masks arrive with a later server version). Nothing here is a
 * second copy of the options: a server with new options gets new form fields without a page rebuild.
 */

/** The subset of JSON Schema the form understands; anything else becomes a JSON text field. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
}

interface OpenApiDocument {
  paths?: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface ApiDescription {
  /** Properties of the options object, in the schema's order. */
  options: Record<string, JsonSchema>;
  /** Range of one style's blend weight. */
  styleWeight: JsonSchema;
  /** The multipart body has a `mask` part (one per style, sent right after its style part). */
  masks: boolean;
  /** The multipart body has an `init` part (start image for options.init = "image"). */
  initImage: boolean;
}

export class ApiDescriptionError extends Error {
  override name = 'ApiDescriptionError';
}

export function readApiDescription(input: unknown): ApiDescription {
  const document = input as OpenApiDocument;
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined => {
    const ref = schema?.$ref;
    if (!ref) return schema;
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    return resolve(name ? document.components?.schemas?.[name] : undefined);
  };
  const body = document.paths?.['/jobs']?.['post']?.requestBody?.content;
  const json = resolve(body?.['application/json']?.schema);
  const multipart = resolve(body?.['multipart/form-data']?.schema);
  const options = resolve(json?.properties?.['options'])?.properties;
  if (!options || !multipart?.properties) {
    throw new ApiDescriptionError('The API description has no POST /jobs options schema');
  }
  const style = resolve(resolve(json?.properties?.['styles'])?.items);
  const weight = [style, ...(style?.anyOf ?? []), ...(style?.oneOf ?? [])]
    .map((variant) => resolve(variant)?.properties?.['weight'])
    .find((found) => found !== undefined);
  return {
    options: Object.fromEntries(
      Object.entries(options).map(([name, schema]) => [name, resolve(schema) ?? {}]),
    ),
    styleWeight: weight ?? { type: 'number', exclusiveMinimum: 0 },
    masks: 'mask' in multipart.properties,
    initImage: 'init' in multipart.properties,
  };
}
