import type { DocumentStorage } from '../../identity/ports.js';
import type { Principal } from '../../shared/principal.js';
import type { StoreView } from '../model.js';
import type { ImageProcessor, StoreRepository } from '../ports.js';
import { storeYouManage, type UpdateStore } from './update-store.js';
import { storeImage } from './stored-image.js';

/** The owner replaces or removes their store's logo; the picture goes the way product pictures go (`storeImage`). */
export class SetStoreLogo {
  constructor(private readonly deps: { stores: StoreRepository; imageProcessor: ImageProcessor; documentStorage: DocumentStorage; updateStore: UpdateStore }) {}

  async put(principal: Principal, storeId: string, bytes: Buffer): Promise<StoreView> {
    // Ownership first: a stranger's upload is never decoded nor stored.
    await storeYouManage(this.deps, principal, storeId);
    const files = await storeImage(this.deps, storeId, bytes);
    return this.deps.updateStore.change(principal, storeId, (s, now) => s.setLogo({ files }, now));
  }

  /** Idempotent: removing a missing logo changes nothing. */
  remove(principal: Principal, storeId: string): Promise<StoreView> {
    return this.deps.updateStore.change(principal, storeId, (s, now) => s.setLogo(null, now));
  }
}
