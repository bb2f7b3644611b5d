/** The spellings of a boolean setting, shared by the service's environment and the CLI's. */
export const TRUE_SPELLINGS = ['true', '1', 'yes'] as const;
export const FALSE_SPELLINGS = ['false', '0', 'no', ''] as const;

/** `undefined` when the text is not a boolean spelling. */
export function parseBoolean(text: string): boolean | undefined {
  if ((TRUE_SPELLINGS as readonly string[]).includes(text)) return true;
  if ((FALSE_SPELLINGS as readonly string[]).includes(text)) return false;
  return undefined;
}
