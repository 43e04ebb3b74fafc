import { notFound } from '../../shared/errors.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import type { AuditEntryView, AuditFilter } from '../model.js';
import type { AuditLogRepository } from '../ports.js';

/** Read side of the audit log. */
export class AuditLogQueries {
  constructor(private readonly deps: { auditLog: AuditLogRepository }) {}

  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntryView>> {
    const result = await this.deps.auditLog.search(filter, page);
    return { items: result.items.map((e) => e.toView()), pagination: result.pagination };
  }

  async get(id: string): Promise<AuditEntryView> {
    const entry = await this.deps.auditLog.findById(id);
    if (!entry) throw notFound('Audit entry');
    return entry.toView();
  }
}
