import { z } from 'zod';

export const LossTermsSchema = z
  .object({
    content: z.number(),
    style: z.number(),
    tv: z.number(),
    total: z.number(),
  })
  .describe('Loss terms, each already multiplied by its weight; total is their sum.');

export type LossTerms = z.infer<typeof LossTermsSchema>;

/** Style losses: Gram matrices (Gatys et al. 2016) or sliced Wasserstein (Heitz et al. 2021). */
export const STYLE_LOSS_NAMES = ['gram', 'sliced-wasserstein'] as const;
export type StyleLossName = (typeof STYLE_LOSS_NAMES)[number];
