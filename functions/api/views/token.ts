import * as z from 'zod';

/** A personal API token as its owner sees it listed (shared/domain/api-tokens.ts tokenView). */
const TokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
export const TokenListSchema = z.object({ tokens: z.array(TokenViewSchema) });
/** The answer to POST /tokens: the view and the token itself, shown this once. */
export const TokenMadeSchema = TokenViewSchema.extend({ token: z.string() });
