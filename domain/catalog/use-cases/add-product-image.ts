import type { DocumentStorage } from '../../identity/ports.js';
import type { Principal } from '../../shared/principal.js';
import type { ProductImage, ProductView } from '../product.js';
import type { ImageProcessor } from '../ports.js';
import { productYouManage, type ManageProducts, type ProductDeps } from './manage-products.js';
import { storeImage } from './stored-image.js';

/** The owner adds a picture to a product (sizes and storage as `storeImage`). */
export class AddProductImage {
  constructor(private readonly deps: Pick<ProductDeps, 'stores' | 'products' | 'ids'> & { imageProcessor: ImageProcessor; documentStorage: DocumentStorage; manageProducts: ManageProducts }) {}

  async execute(principal: Principal, productId: string, bytes: Buffer, alt: string | null): Promise<ProductView> {
    const product = await productYouManage(this.deps, principal, productId);
    const image: ProductImage = { id: this.deps.ids.next(), alt: alt?.trim() ? alt.trim().slice(0, 200) : null, files: await storeImage(this.deps, product.storeId, bytes) };
    return this.deps.manageProducts.change(principal, productId, (p, now) => {
      p.addImage(image, now);
      return true;
    });
  }
}
