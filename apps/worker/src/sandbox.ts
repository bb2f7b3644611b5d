import { fileURLToPath } from 'node:url';

/**
 * The worker runs from TypeScript sources in development and tests (through tsx) and from compiled
 * JavaScript in production. Child processes (the BullMQ sandbox, the preflight check) must be started the
 * same way as this process, so their entry files and node flags are derived from this module's own URL.
 */
const fromSources = import.meta.url.endsWith('.ts');

/**
 * Absolute path of an entry module of the child processes, e.g. `processor` → …/src/child/processor.ts or
 * …/dist/child/processor.js. Only `child/` may load the engine (see docs/architecture.md).
 */
export function childModule(name: string): string {
  return fileURLToPath(new URL(`./child/${name}.${fromSources ? 'ts' : 'js'}`, import.meta.url));
}

/** Node flags for a child running a `child/` module: tsx and the "source" export condition for TS sources. */
export function childExecArgv(): string[] {
  return fromSources ? ['--import', 'tsx', '--conditions=source'] : [];
}
