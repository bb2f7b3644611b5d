import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateSchemaTypes, SCHEMA_FILE } from './schema.js';

await writeFile(SCHEMA_FILE, await generateSchemaTypes());
console.log(`wrote ${fileURLToPath(SCHEMA_FILE)}`);
