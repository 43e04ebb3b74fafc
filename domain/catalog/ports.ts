import type { Page, PageRequest } from '../shared/pagination.js';
import type { Store, StoreFilter } from './model.js';

/**
 * Stores. Implementations: SqlStoreRepository and MongoStoreRepository, both
 * judged by test/contract/store-repository.test.ts.
 */
export interface StoreRepository {
  /** Inserts a new store (ids are generated, so a clash is a bug and throws). */
  create(store: Store): Promise<void>;
  findById(id: string): Promise<Store | null>;
  /** Writes the store if the stored version is still `expectedVersion`; false when someone else changed it first. */
  save(store: Store, expectedVersion: number): Promise<boolean>;
  /** Newest first. */
  list(filter: StoreFilter, page: PageRequest): Promise<Page<Store>>;
}
