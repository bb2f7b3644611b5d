import { z } from 'zod';
import { StyleTransferError } from './errors.js';
import { OUTPUT_FORMAT_NAMES } from './formats.js';
import { VGG19_CONV_NAMES } from './layers.js';
import { STYLE_LOSS_NAMES } from './losses.js';

/**
 * The one schema of engine options. The CLI parses flags into it, the API validates request bodies
 * with it and publishes it in the OpenAPI document, so the defaults documented here are the defaults
 * everywhere.
 */
const layerName = z.enum(VGG19_CONV_NAMES);

export const StyleOptionsSchema = z
  .strictObject({
    size: z
      .int()
      .min(16)
      .max(4096)
      .default(512)
      .describe('Long side of the output image in pixels; the content image is resized to it.'),
    iterations: z
      .int()
      .min(1)
      .max(10_000)
      .default(500)
      .describe(
        'Optimizer iterations (function evaluations for L-BFGS). With multiscale, the iterations of the first (smallest) pass.',
      ),
    optimizer: z
      .enum(['lbfgs', 'adam'])
      .default('lbfgs')
      .describe('L-BFGS is the reference optimizer; Adam uses less memory.'),
    learningRate: z.number().positive().max(1000).default(10).describe('Adam step size on 0..255 pixels.'),
    lbfgsHistory: z
      .int()
      .min(1)
      .max(1000)
      .default(16)
      .describe(
        'L-BFGS history size (correction pairs kept; 2 image-sized vectors each). jcjohnson/neural-style keeps 100; docs/defaults.md measures why 16 is enough.',
      ),
    lineSearch: z
      .enum(['none', 'strongWolfe'])
      .default('none')
      .describe('L-BFGS line search: none (fixed step 1, as jcjohnson/neural-style) or strong Wolfe.'),
    init: z
      .enum(['noise', 'content', 'style', 'image'])
      .default('content')
      .describe(
        'Start image: seeded noise, the content image, the first style image, or a given init image.',
      ),
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0)
      .describe('Random seed: the same seed gives the same run on the same backend.'),
    contentWeight: z
      .number()
      .min(0)
      .max(1e9)
      .default(1)
      .describe(
        'alpha: weight of the content loss, a mean over positions and channels (at most 1e9, so weighted losses stay finite in float32).',
      ),
    styleWeight: z
      .number()
      .min(0)
      .max(1e9)
      .default(100)
      .describe(
        'beta: weight of the style loss, the same at every size (at most 1e9, so weighted losses stay finite in float32).',
      ),
    tvWeight: z
      .number()
      .min(0)
      .max(1e6)
      .default(10)
      .describe(
        'Weight of the total-variation smoothness loss, a mean over pixels (at most 1e6, so weighted losses stay finite in float32).',
      ),
    styleLoss: z
      .enum(STYLE_LOSS_NAMES)
      .default('gram')
      .describe(
        'gram: Gram matrices (Gatys et al.); sliced-wasserstein: sorted random projections of the features (Heitz et al. 2021).',
      ),
    contentLayers: z
      .array(layerName)
      .min(1)
      .default(['conv4_2'])
      .describe('Layers whose activations define content.'),
    styleLayers: z
      .array(layerName)
      .min(1)
      .default(['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'])
      .describe('Layers whose Gram matrices define style.'),
    styleLayerWeights: z
      .array(z.number().min(0).max(1e6))
      .optional()
      .describe(
        'Per-style-layer weights w_l (each at most 1e6), one per styleLayers entry; default 1/L each, as in the paper.',
      ),
    pooling: z
      .enum(['max', 'avg'])
      .default('avg')
      .describe('VGG pooling; the paper prefers average pooling.'),
    styleScale: z
      .number()
      .positive()
      .max(4)
      .default(1)
      .describe("Style image long side as a multiple of the output's long side."),
    preserveColors: z
      .enum(['none', 'luminance', 'histogram'])
      .default('none')
      .describe(
        "Keep the content's colours: luminance-only transfer, or match the style's colour histogram to the content.",
      ),
    multiscale: z
      .boolean()
      .default(false)
      .describe(
        'Coarse-to-fine: passes at size/2^k down to multiscaleMinSize, each started from the previous result.',
      ),
    multiscaleMinSize: z
      .int()
      .min(16)
      .max(4096)
      .default(256)
      .describe('Long side of the first multiscale pass.'),
    snapshotEvery: z
      .int()
      .min(0)
      .default(0)
      .describe('Deliver an encoded snapshot every N iterations (0: never).'),
    outputFormat: z
      .enum(OUTPUT_FORMAT_NAMES)
      .default('png')
      .describe('Encoding of the result and snapshots.'),
  })
  .superRefine((options, ctx) => {
    if (options.styleLayerWeights && options.styleLayerWeights.length !== options.styleLayers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['styleLayerWeights'],
        message: `needs one weight per style layer (${options.styleLayers.length}), got ${options.styleLayerWeights.length}`,
      });
    }
  });

/** Options as a caller writes them: every field optional. */
export type StyleOptionsInput = z.input<typeof StyleOptionsSchema>;
/** Options with every default filled in. */
export type StyleOptions = z.output<typeof StyleOptionsSchema>;

export function resolveOptions(input: StyleOptionsInput = {}): StyleOptions {
  return StyleOptionsSchema.parse(input);
}

/** Like resolveOptions, but a refusal is a StyleTransferError INVALID_OPTIONS listing every problem. */
export function parseOptions(input: StyleOptionsInput): StyleOptions {
  const parsed = StyleOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`,
    );
    throw new StyleTransferError('INVALID_OPTIONS', `invalid options: ${problems.join('; ')}`);
  }
  return parsed.data;
}
