import openapiTS, { astToString } from 'openapi-typescript';
import prettier from 'prettier';
import { buildOpenApiDocument } from '@neural-style/api';

const HEADER = `/**
 * Generated from the API's OpenAPI document by \`npm run generate -w @neural-style/client\`. Do not edit:
 * test/schema.test.ts fails when this file differs from a fresh generation.
 */

`;

/** The TypeScript types of the current OpenAPI document, formatted as the repository formats code. */
export async function generateSchemaTypes(): Promise<string> {
  const document = await buildOpenApiDocument();
  const ast = await openapiTS(JSON.stringify(document));
  const options =
    (await prettier.resolveConfig(new URL('../src/schema.d.ts', import.meta.url).pathname)) ?? {};
  return prettier.format(HEADER + astToString(ast), { ...options, parser: 'typescript' });
}

export const SCHEMA_FILE = new URL('../src/schema.d.ts', import.meta.url);
