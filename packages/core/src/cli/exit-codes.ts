import { errorMessage, type StyleErrorCode, StyleTransferError } from '@neural-style/vocabulary';

/** One exit code per failure class, so scripts can tell "fix your flags" from "fetch the weights". */
export const EXIT_CODES = {
  unexpected: { code: 1, meaning: 'unexpected error (a bug: please report it)' },
  usage: { code: 2, meaning: 'usage: unknown flag, missing or invalid option value' },
  input: { code: 3, meaning: 'input image: missing file, not an image, too large' },
  weights: { code: 4, meaning: 'VGG19 weights missing, invalid or not downloadable' },
  backend: { code: 5, meaning: 'the requested TensorFlow.js backend is unavailable' },
  optimisation: { code: 6, meaning: 'optimisation failed (the loss became NaN or infinite)' },
  output: { code: 7, meaning: 'the output image or a snapshot cannot be written' },
  memory: { code: 8, meaning: 'the job needs more memory than the budget, the host or the backend allows' },
  interrupted: { code: 130, meaning: 'interrupted (Ctrl-C / SIGINT; 143 for SIGTERM)' },
} as const;

export type FailureClass = keyof typeof EXIT_CODES;

/** An expected CLI failure: printed as one line, never with a stack trace. */
export class CliError extends Error {
  constructor(
    readonly failure: FailureClass,
    message: string,
    readonly exitCode: number = EXIT_CODES[failure].code,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const ENGINE_FAILURES: Record<StyleErrorCode, FailureClass> = {
  INVALID_OPTIONS: 'usage',
  IMAGE_INVALID: 'input',
  IMAGE_TOO_LARGE: 'input',
  WEIGHTS_MISSING: 'weights',
  WEIGHTS_INVALID: 'weights',
  WEIGHTS_DOWNLOAD_FAILED: 'weights',
  BACKEND_UNAVAILABLE: 'backend',
  NON_FINITE_LOSS: 'optimisation',
  MEMORY_LIMIT: 'memory',
  ABORTED: 'interrupted',
};

export interface Failure {
  exitCode: number;
  /** The engine's error code, or the CLI's failure class. */
  code: string;
  message: string;
  /** Only for unexpected errors: worth a stack trace when debugging. */
  stack?: string;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof CliError) {
    return { exitCode: error.exitCode, code: error.failure, message: oneLine(error.message) };
  }
  if (error instanceof StyleTransferError) {
    const failure = ENGINE_FAILURES[error.code];
    return { exitCode: EXIT_CODES[failure].code, code: error.code, message: oneLine(error.message) };
  }
  const message = errorMessage(error);
  return {
    exitCode: EXIT_CODES.unexpected.code,
    code: 'unexpected',
    message: `unexpected error: ${oneLine(message)}`,
    stack: error instanceof Error ? error.stack : undefined,
  };
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
