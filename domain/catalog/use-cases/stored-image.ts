import type { DocumentStorage } from '../../identity/ports.js';
import type { ImageFile } from '../model.js';
import type { ImageProcessor } from '../ports.js';

/**
 * The one path of an uploaded picture (product pictures, store logos): the
 * bytes decide the type, each size is re-encoded and stored through the
 * document storage, addressed by its content hash so its URL can be cached forever.
 */
export async function storeImage(deps: { imageProcessor: ImageProcessor; documentStorage: DocumentStorage }, folder: string, bytes: Buffer): Promise<Record<string, ImageFile>> {
  const sizes = await deps.imageProcessor.process(bytes);
  const files: Record<string, ImageFile> = {};
  for (const [size, r] of Object.entries(sizes)) {
    const stored = await deps.documentStorage.put(folder, r.bytes, r.contentType);
    files[size] = { key: stored.key, sha256: stored.sha256, width: r.width, height: r.height, contentType: r.contentType };
  }
  return files;
}
