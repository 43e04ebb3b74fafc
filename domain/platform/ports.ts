import type { Page, PageRequest } from '../shared/pagination.js';
import type { AuditEntry, AuditFilter } from './model.js';

/**
 * The audit log store. Implementations: MongoAuditLogRepository (mongoose) and
 * SqlAuditLogRepository (PostgreSQL / PGlite). Both pass test/contract/audit-log.
 */
export interface AuditLogRepository {
  /** Appends once: a second append with the same id changes nothing and returns false. */
  append(entry: AuditEntry): Promise<boolean>;
  findById(id: string): Promise<AuditEntry | null>;
  /** Newest first (time, then id, descending). */
  search(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>>;
}
