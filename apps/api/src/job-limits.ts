import type { Redis } from 'ioredis';
import {
  fitLongSide,
  minimumInputSide,
  type JobPlan,
  type Size,
  type StyleOptions,
} from '@neural-style/vocabulary';
import type { Config } from '@neural-style/infra';
import { ProblemError } from './problem.js';

/**
 * Refuses at submission what the engine would refuse in the worker: at some pass, the content (resized to
 * the pass's long side) or a style image (resized to styleScale × that) too small for the deepest
 * requested layer. The same sizes as the engine: the plan's passes, fitLongSide, minimumInputSide.
 */
export function assertImagesLargeEnough(options: StyleOptions, plan: JobPlan, styles: readonly Size[]): void {
  const layers = [...options.contentLayers, ...options.styleLayers];
  const minimumSide = minimumInputSide(layers);
  const deepest = [...layers].sort().at(-1);
  const refuse = (label: string, size: Size, longSide: number, field: string, remedy: string) => {
    const message =
      `at long side ${longSide} the ${label} is ${size.width}x${size.height}, too small for layer ${deepest}: ` +
      `its short side needs at least ${minimumSide} px (${remedy})`;
    throw new ProblemError('INVALID_OPTIONS', `Invalid options: ${message}`, {
      errors: [{ path: `options.${field}`, message }],
    });
  };
  for (const pass of plan.passes) {
    const contentSize = { width: pass.width, height: pass.height };
    if (Math.min(contentSize.width, contentSize.height) < minimumSide) {
      const field = options.multiscale ? 'multiscaleMinSize' : 'size';
      refuse('content image', contentSize, pass.longSide, field, `raise ${field} or use shallower layers`);
    }
    const styleLongSide = Math.max(minimumSide, Math.round(pass.longSide * options.styleScale));
    styles.forEach((style, index) => {
      const styleSize = fitLongSide(style, styleLongSide);
      if (Math.min(styleSize.width, styleSize.height) < minimumSide) {
        refuse(
          `style image ${index + 1}`,
          styleSize,
          styleLongSide,
          'styleScale',
          'raise styleScale or size',
        );
      }
    });
  }
}

/**
 * What a job holds a worker for, in megapixel-iterations: output pixels × iterations, summed over the
 * plan's passes (multiscale passes included).
 */
export function jobCost(plan: JobPlan): number {
  return plan.passes.reduce((sum, pass) => sum + pass.width * pass.height * pass.iterations, 0) / 1e6;
}

const formatCost = (cost: number) => (cost < 10 ? cost.toPrecision(2) : String(Math.round(cost)));

/** MAX_JOB_COST: refuses one job that would hold a worker for too long, saying what size would fit. */
export function assertJobCost(options: StyleOptions, cost: number, config: Config): void {
  const limit = config.cost.maxPerJob;
  if (limit <= 0 || cost <= limit) return;
  // Cost grows with the square of the size.
  const fittingSize = Math.floor(options.size * Math.sqrt(limit / cost));
  throw new ProblemError(
    'COST_LIMIT_EXCEEDED',
    `This job would cost ${formatCost(cost)} megapixel-iterations (output pixels × iterations over its passes), ` +
      `more than the limit of ${formatCost(limit)} per job (MAX_JOB_COST): lower size (at most about ` +
      `${fittingSize} at ${options.iterations} iterations) or iterations`,
    {
      errors: [{ path: 'options', message: `cost ${formatCost(cost)} > MAX_JOB_COST ${formatCost(limit)}` }],
    },
  );
}

const HOUR_MS = 3_600_000;

/**
 * Charges a job's cost to its tenant's hourly budget (MAX_TENANT_COST_PER_HOUR, a fixed one-hour window in
 * Redis shared by every API instance). Check and charge are one Lua script, so a refusal writes nothing
 * and concurrent submissions cannot both slip under the limit.
 */
const CHARGE_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then return {0, tostring(used)} end
redis.call('INCRBY', KEYS[1], cost)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, tostring(used + cost)}
`;

export class CostLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly perHour: number,
  ) {}

  /** Adds `cost` (megapixel-iterations) to the tenant's hour, or throws COST_LIMIT_EXCEEDED. */
  async charge(tenant: string, cost: number): Promise<void> {
    if (this.perHour <= 0) return;
    const now = Date.now();
    const window = Math.floor(now / HOUR_MS);
    const key = `${this.prefix}:cost:${tenant}:${window}`;
    // Integer pixel-iterations: INCRBY is exact where float sums would drift.
    const [charged, used] = (await this.redis.eval(
      CHARGE_SCRIPT,
      1,
      key,
      Math.ceil(cost * 1e6),
      Math.floor(this.perHour * 1e6),
      HOUR_MS,
    )) as [number, string];
    if (charged === 1) return;
    const retryAfter = Math.ceil(((window + 1) * HOUR_MS - now) / 1000);
    throw new ProblemError(
      'COST_LIMIT_EXCEEDED',
      `This job (${formatCost(cost)} megapixel-iterations) would take the tenant past its limit of ` +
        `${formatCost(this.perHour)} per hour (MAX_TENANT_COST_PER_HOUR; ${formatCost(Number(used) / 1e6)} used ` +
        `this hour): retry in ${retryAfter} s, or lower size or iterations`,
      { headers: { 'retry-after': String(retryAfter) } },
    );
  }
}
