import type { StoreRepository } from '../../domain/catalog/ports.js';

/**
 * Puts a store through the verification workflow (a licence, then an admin's
 * approval), as the verification routes leave it: approved and, if open, listed.
 */
export async function approveStore(stores: StoreRepository, storeId: string, at = new Date()): Promise<void> {
  const store = (await stores.findById(storeId))!;
  const version = store.version;
  store.addDocument({ id: `doc-${storeId}`, kind: 'business_license', contentType: 'application/pdf', sizeBytes: 1000, sha256: '0'.repeat(64), storageKey: `stores/${storeId}/licence`, uploadedAt: at.toISOString() }, at);
  store.decideVerification('approve', 'licence checked', 'admin-verifier', at);
  if (!(await stores.save(store, version))) throw new Error(`store ${storeId} changed while being approved`);
}
