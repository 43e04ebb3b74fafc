// zod with `.openapi()` metadata. API modules import `z` from here so the
// extension is always applied before a schema is built.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { charCount } from '../domain/shared/text.js';

extendZodWithOpenApi(z);

export { z };

/**
 * A number read from a query string. `z.coerce.number()` reads '' and '  ' as
 * 0, so `?lat=` would search around (0, 0); a blank value is refused here, and
 * the number rules (`inner`) apply to what remains. Every query number goes
 * through this one helper.
 */
export const queryNumber = (inner: z.ZodNumber = z.number()) =>
  z
    .string()
    .trim()
    .min(1, 'must be a number, not blank')
    .transform(Number)
    .pipe(inner)
    .openapi({
      type: inner.isInt ? 'integer' : 'number',
      ...(Number.isFinite(inner.minValue) ? { minimum: inner.minValue as number } : {}),
      ...(Number.isFinite(inner.maxValue) ? { maximum: inner.maxValue as number } : {}),
    });

/**
 * Free text, trimmed, at least `min` and at most `max` characters as a person
 * counts them (code points: 200 emoji fit a 200-character limit). JSON
 * Schema's maxLength counts the same way.
 */
export const text = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min, min === 1 ? 'must not be blank' : `must be at least ${min} characters`)
    .refine((s) => charCount(s) <= max, { message: `must be at most ${max} characters` })
    .openapi({ minLength: min, maxLength: max });

/** An opaque identifier (path parameters, filters): no blanks, at most 128 characters. */
export const id = z.string().min(1).max(128);
