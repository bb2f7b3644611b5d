import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { generateSchemaTypes, SCHEMA_FILE } from '../scripts/schema.js';

it('src/schema.d.ts matches the current OpenAPI document (run `npm run generate -w @neural-style/client`)', async () => {
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  expect(
    committed === (await generateSchemaTypes()),
    'schema.d.ts is stale: run npm run generate -w @neural-style/client',
  ).toBe(true);
});
