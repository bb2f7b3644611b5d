import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * `job_` + a ULID: 10 characters of millisecond time and 16 of randomness, Crockford base32. Ids sort by
 * creation time, which the per-tenant listing relies on; within one millisecond the random part is
 * incremented, so ids from one process stay strictly increasing.
 */
export function newJobId(now: number = Date.now()): string {
  let random: number[];
  if (now === lastTime) {
    random = increment(lastRandom);
  } else {
    random = Array.from(randomBytes(16), (byte) => byte % 32);
    lastTime = now;
  }
  lastRandom = random;
  let time = '';
  for (let remaining = now, i = 0; i < 10; i += 1, remaining = Math.floor(remaining / 32)) {
    time = CROCKFORD[remaining % 32] + time;
  }
  return `job_${time}${random.map((digit) => CROCKFORD[digit]).join('')}`;
}

function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i -= 1) {
    const digit = (next[i] ?? 0) + 1;
    next[i] = digit % 32;
    if (digit < 32) break;
  }
  return next;
}
