#!/usr/bin/env node
// Runs the built CLI (dist/cli.js, as in the Docker images) when it exists, else the TypeScript source
// through tsx (a dev dependency of the repository), so `npx style-transfer` works without a build.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);

if (existsSync(built)) {
  await import(built.href);
} else {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write(
      'style-transfer: neither packages/core/dist/cli.js (run `npm run build`) nor tsx (run `npm install`) is available\n',
    );
    process.exit(1);
  }
  // The workspace packages resolve to their sources only under the "source" export condition, which node
  // takes at start-up only: the sources run in a child node started with it.
  const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', tsx, '--conditions=source', source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // Ctrl-C reaches the child from the terminal itself; a SIGTERM sent to this process is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
