import { z } from 'zod';

const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Seconds in a duration such as `90s`, `5m`, `1h30m`, `7d` or bare seconds (`3600`); undefined when the
 * text is not one. The same syntax serves `Cancel-After` and `retention`.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const match = DURATION.exec(trimmed);
  if (!match || trimmed === '') return undefined;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * UNIT_SECONDS.d +
    Number(hours ?? 0) * UNIT_SECONDS.h +
    Number(minutes ?? 0) * UNIT_SECONDS.m +
    Number(seconds ?? 0) * UNIT_SECONDS.s
  );
}

/** A positive duration as text, parsed to whole seconds. */
export const DurationSchema = z
  .string()
  .meta({ examples: ['90s', '5m', '1h', '7d', '3600'] })
  .transform((text, ctx) => {
    const seconds = parseDurationSeconds(text);
    if (seconds === undefined || seconds <= 0 || !Number.isSafeInteger(seconds)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a positive duration such as 90s, 5m, 1h, 7d or a number of seconds`,
      });
      return z.NEVER;
    }
    return seconds;
  });
