/** The message of anything thrown: Errors give theirs, other values their string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
