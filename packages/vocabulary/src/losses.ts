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
