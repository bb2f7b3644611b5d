/**
 * The `wait` preference of a `Prefer` header (RFC 7240), capped at `max`; undefined when absent or not
 * delta-seconds. Preferences are comma-separated, each `name[=value]` followed by `;` parameters; `wait`
 * takes an integer number of seconds (bare or quoted), so `wait=1e3` or `wait=-1` is ignored as the RFC
 * asks for a preference the server does not understand, rather than read as something else.
 */
export function preferredWaitSeconds(prefer: string | undefined, max: number): number | undefined {
  for (const preference of (prefer ?? '').split(',')) {
    const [head = ''] = preference.split(';');
    const match = /^\s*wait\s*=\s*(?:(\d+)|"(\d+)")\s*$/i.exec(head);
    if (/^\s*wait\s*(=|$)/i.test(head)) {
      // The first `wait` decides, valid or not.
      const seconds = match?.[1] ?? match?.[2];
      return seconds === undefined ? undefined : Math.min(Number(seconds), max);
    }
  }
  return undefined;
}
