import { readFileSync } from 'node:fs';

import { parseCommand } from './cli/args.js';
import { describeFailure, EXIT_CODES } from './cli/exit-codes.js';
import { helpText } from './cli/help.js';
import { createReporter, type Reporter } from './cli/progress.js';

/**
 * The `style-transfer` command. Every expected failure ends as one stderr line
 * `style-transfer: <message>` and the exit code of its class (see cli/exit-codes.ts and docs/cli.md).
 */
async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  let received: { name: string; exitCode: number } | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM', exitCode: number) => () => {
    if (received) {
      // Second signal: the user does not want to wait for the current iteration to finish.
      process.stderr.write(`\nstyle-transfer: ${name} again, exiting now\n`);
      process.exit(exitCode);
    }
    received = { name, exitCode };
    controller.abort();
  };
  process.on('SIGINT', onSignal('SIGINT', EXIT_CODES.interrupted.code));
  process.on('SIGTERM', onSignal('SIGTERM', 143));

  let reporter: Reporter | undefined;
  try {
    const command = parseCommand(argv);
    switch (command.kind) {
      case 'help':
        process.stdout.write(helpText(command.topic));
        return 0;
      case 'version':
        process.stdout.write(`${version()}\n`);
        return 0;
      // Commands load their modules on demand: --help and usage errors answer without them.
      case 'weights': {
        const { runWeights } = await import('./cli/weights.js');
        await runWeights(command, process.stdout, process.stderr, controller.signal);
        return 0;
      }
      case 'stylize': {
        const { runStylize } = await import('./cli/stylize.js');
        reporter = createReporter(command.reporting, process.stdout, process.stderr);
        await runStylize(
          command,
          reporter,
          { signal: controller.signal, reason: () => received },
          process.env,
        );
        return 0;
      }
    }
  } catch (error) {
    const failure = describeFailure(error);
    reporter?.failed(failure);
    process.stderr.write(`style-transfer: ${failure.message}\n`);
    if (failure.stack && process.env.STYLE_TRANSFER_DEBUG) process.stderr.write(`${failure.stack}\n`);
    return failure.exitCode;
  }
}

function version(): string {
  // src/cli.ts and dist/cli.js both sit one folder below the package root.
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

process.exitCode = await main(process.argv.slice(2));
