import type { DocumentStorage } from '../../identity/ports.js';
import type { Principal } from '../../shared/principal.js';
import type { ProductImage, ProductView } from '../product.js';
import type { ImageProcessor } from '../ports.js';
import { productYouManage, type ManageProducts, type ProductDeps } from './manage-products.js';

/**
 * The owner adds a picture to a product. The bytes decide the type (not the
 * name or the declared content type); each size is stored through the
 * document storage and addressed by its content hash, so its URL can be cached forever.
 */
export class AddProductImage {
  constructor(private readonly deps: Pick<ProductDeps, 'stores' | 'products' | 'ids'> & { imageProcessor: ImageProcessor; documentStorage: DocumentStorage; manageProducts: ManageProducts }) {}

  async execute(principal: Principal, productId: string, bytes: Buffer, alt: string | null): Promise<ProductView> {
    const product = await productYouManage(this.deps, principal, productId);
    const sizes = await this.deps.imageProcessor.process(bytes);
    const image: ProductImage = { id: this.deps.ids.next(), alt: alt?.trim() ? alt.trim().slice(0, 200) : null, files: {} };
    for (const [size, r] of Object.entries(sizes)) {
      const stored = await this.deps.documentStorage.put(product.storeId, r.bytes, r.contentType);
      image.files[size] = { key: stored.key, sha256: stored.sha256, width: r.width, height: r.height, contentType: r.contentType };
    }
    return this.deps.manageProducts.change(principal, productId, (p, now) => {
      p.addImage(image, now);
      return true;
    });
  }
}
