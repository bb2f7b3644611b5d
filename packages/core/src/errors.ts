/**
 * Every failure the engine reports carries a stable code, so the CLI can print one line and the API
 * can map it to a problem+json type without parsing messages.
 */
export type StyleErrorCode =
  | 'INVALID_OPTIONS'
  | 'IMAGE_INVALID'
  | 'IMAGE_TOO_LARGE'
  | 'WEIGHTS_MISSING'
  | 'WEIGHTS_INVALID'
  | 'WEIGHTS_DOWNLOAD_FAILED'
  | 'BACKEND_UNAVAILABLE'
  | 'NON_FINITE_LOSS'
  | 'ABORTED';

export class StyleTransferError extends Error {
  readonly code: StyleErrorCode;

  constructor(code: StyleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StyleTransferError';
    this.code = code;
  }
}

/** Input problems are the caller's fault and must not be retried. */
export function isInputError(error: unknown): boolean {
  return (
    error instanceof StyleTransferError &&
    ['INVALID_OPTIONS', 'IMAGE_INVALID', 'IMAGE_TOO_LARGE'].includes(error.code)
  );
}
