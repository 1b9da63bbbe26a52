import * as z from 'zod';

/** A folder of a person's home (GET /homes/me/files/…): its entries and the home's use of its quota. */
export const HomeListingSchema = z.object({
  path: z.string(),
  entries: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['file', 'folder']),
      size: z.number().int().min(0).optional(),
      modifiedAt: z.iso.datetime(),
    }),
  ),
  usage: z.object({ bytes: z.number().int().min(0), quotaBytes: z.number().int().min(0) }),
});

/** A file written (PUT): where, and how many bytes. */
export const FileWrittenSchema = z.object({ path: z.string(), size: z.number().int().min(0) });
