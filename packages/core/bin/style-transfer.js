#!/usr/bin/env node
// Runs the built CLI (dist/cli.js, as in the Docker images) when it exists, else the TypeScript source
// through tsx (a dev dependency of the repository), so `npx style-transfer` works without a build.
// Both run in this process, so exit codes and signals need no forwarding.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);

if (existsSync(built)) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      'style-transfer: neither packages/core/dist/cli.js (run `npm run build`) nor tsx (run `npm install`) is available\n',
    );
    process.exit(1);
  }
  register();
  await import(new URL('../src/cli.ts', import.meta.url).href);
}
