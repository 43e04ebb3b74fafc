import type { DocumentStorage } from '../../identity/ports.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { StoreView } from '../model.js';
import type { StoreRepository } from '../ports.js';
import type { StoreDocumentKind } from '../store-verification.js';
import { storeYouManage, type UpdateStore } from './update-store.js';

/**
 * The owner uploads a verification document for a store (as store owners and
 * couriers do for their accounts, through the same document storage); an
 * unapproved store joins the verifiers' queue.
 */
export class SubmitStoreDocument {
  constructor(private readonly deps: { stores: StoreRepository; documentStorage: DocumentStorage; updateStore: UpdateStore; clock: Clock; ids: IdGenerator }) {}

  async execute(principal: Principal, storeId: string, input: { kind: StoreDocumentKind; contentType: string; bytes: Buffer }): Promise<StoreView> {
    await storeYouManage(this.deps, principal, storeId);
    const stored = await this.deps.documentStorage.put(storeId, input.bytes, input.contentType);
    const doc = { id: this.deps.ids.next(), kind: input.kind, contentType: input.contentType, sizeBytes: stored.sizeBytes, sha256: stored.sha256, storageKey: stored.key, uploadedAt: this.deps.clock.now().toISOString() };
    return this.deps.updateStore.change(principal, storeId, (s, now) => {
      s.addDocument(doc, now);
      return true;
    });
  }
}
