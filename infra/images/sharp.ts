import sharp from 'sharp';
import { AppError } from '../../domain/shared/errors.js';
import type { ImageProcessor, ImageRendition } from '../../domain/catalog/ports.js';

/** Formats accepted as uploads, as sharp names what it finds in the bytes. */
const ACCEPTED = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif']);
/** Longest side of each stored size; `large` doubles as the normalised original. */
export const IMAGE_SIZES = { thumb: 160, medium: 480, large: 1600 } as const;
/** Decoding a 20k × 20k picture would take gigabytes: refuse past ~40 megapixels. */
const MAX_PIXELS = 40_000_000;

/**
 * sharp (libvips). Every size is re-encoded as JPEG, which also drops EXIF
 * (a phone's GPS position) and anything smuggled after the image data.
 */
export class SharpImageProcessor implements ImageProcessor {
  async process(bytes: Buffer): Promise<Record<string, ImageRendition>> {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata().catch(() => null);
    if (!meta?.format || !ACCEPTED.has(meta.format)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The file is not a supported image', { details: [{ field: 'body', reason: 'not_an_image', message: `must be one of ${[...ACCEPTED].join(', ')} (recognised from the bytes)` }] });
    }
    if (!meta.width || !meta.height || meta.width * meta.height > MAX_PIXELS) {
      throw new AppError('UNPROCESSABLE_ENTITY', 'The image has too many pixels', { details: [{ field: 'body', reason: 'too_many_pixels', message: `at most ${MAX_PIXELS} pixels` }] });
    }
    const out: Record<string, ImageRendition> = {};
    for (const [size, side] of Object.entries(IMAGE_SIZES)) {
      const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS })
        .rotate()
        .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 82, mozjpeg: true })
        .toBuffer({ resolveWithObject: true })
        .catch((err: unknown) => {
          throw new AppError('UNPROCESSABLE_ENTITY', 'The image could not be decoded', { cause: err, details: [{ field: 'body', reason: 'corrupt_image', message: 'could not be decoded' }] });
        });
      out[size] = { bytes: data, width: info.width, height: info.height, contentType: 'image/jpeg' };
    }
    return out;
  }
}
