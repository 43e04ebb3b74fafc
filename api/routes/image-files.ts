import { notFound } from '../../domain/shared/errors.js';
import type { ImageFile } from '../../domain/catalog/model.js';
import type { DocumentStorage } from '../../domain/identity/ports.js';
import { RawBody } from '../route-kit.js';
import { z } from '../zod.js';

/**
 * Served pictures (product pictures, store logos). The file name carries the
 * content hash: a new picture gets a new URL, so a served one is immutable and
 * cached for a year.
 */
export const IMAGE_FILE = /^([a-z]+)-([0-9a-f]{16})\.jpg$/;
export const imageFileParam = z.string().regex(IMAGE_FILE);
export const imageFileName = (size: string, sha256: string) => `${size}-${sha256.slice(0, 16)}.jpg`;

export const imageSizesSchema = z.record(z.string(), z.object({ url: z.string(), width: z.number().int(), height: z.number().int() }));

/** Size → URL and dimensions, under `base` (a path without trailing slash). */
export function imageSizes(base: string, files: Record<string, ImageFile>) {
  return Object.fromEntries(Object.entries(files).map(([size, f]) => [size, { url: `${base}/${imageFileName(size, f.sha256)}`, width: f.width, height: f.height }]));
}

/** The bytes of `file` among `files` (NOT_FOUND when the size or hash does not match), with long-lived cache headers. */
export async function serveImageFile(storage: DocumentStorage, files: Record<string, ImageFile> | undefined, file: string): Promise<RawBody> {
  const [, size, hash] = IMAGE_FILE.exec(file) ?? [];
  const f = size ? files?.[size] : undefined;
  if (!f || !hash || !f.sha256.startsWith(hash)) throw notFound('Image');
  const bytes = await storage.get(f.key);
  return new RawBody(f.contentType, bytes, { 'Cache-Control': 'public, max-age=31536000, immutable', ETag: `"${f.sha256}"`, 'X-Content-Type-Options': 'nosniff' });
}
