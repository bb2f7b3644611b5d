/**
 * Every failure the engine reports carries a stable code, so the CLI can print one line and the API
 * can map it to a problem+json type without parsing messages.
 */
export const STYLE_ERROR_CODES = [
  'INVALID_OPTIONS',
  'IMAGE_INVALID',
  'IMAGE_TOO_LARGE',
  'WEIGHTS_MISSING',
  'WEIGHTS_INVALID',
  'WEIGHTS_DOWNLOAD_FAILED',
  'BACKEND_UNAVAILABLE',
  'NON_FINITE_LOSS',
  'MEMORY_LIMIT',
  'ABORTED',
] as const;
export type StyleErrorCode = (typeof STYLE_ERROR_CODES)[number];

/** Input problems are the caller's fault and must not be retried. */
const INPUT_ERROR_CODES: readonly StyleErrorCode[] = [
  'INVALID_OPTIONS',
  'IMAGE_INVALID',
  'IMAGE_TOO_LARGE',
  'MEMORY_LIMIT',
];

export class StyleTransferError extends Error {
  readonly code: StyleErrorCode;

  constructor(code: StyleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StyleTransferError';
    this.code = code;
  }
}

/** Whether a failure is the caller's (see INPUT_ERROR_CODES). */
export function isInputError(error: unknown): boolean {
  return error instanceof StyleTransferError && INPUT_ERROR_CODES.includes(error.code);
}
