import type { Clock, IdGenerator } from '../../shared/ids.js';
import { AuditEntry, type AuditActor, type AuditOrigin, type AuditOutcome } from '../model.js';
import type { AuditLogRepository } from '../ports.js';

export interface RecordAuditEntryInput {
  /** Pass a business id to make a retried call a no-op. */
  id?: string;
  actor: AuditActor;
  action: string;
  resource: { type: string; id?: string | null };
  outcome?: AuditOutcome;
  origin?: Partial<AuditOrigin>;
  metadata?: Record<string, unknown>;
}

export interface RecordAuditEntryDeps {
  auditLog: AuditLogRepository;
  clock: Clock;
  ids: IdGenerator;
}

/** Writes one audit entry. Idempotent by id. */
export class RecordAuditEntry {
  constructor(private readonly deps: RecordAuditEntryDeps) {}

  async execute(input: RecordAuditEntryInput): Promise<AuditEntry> {
    const entry = AuditEntry.create({
      id: input.id ?? this.deps.ids.next(),
      at: this.deps.clock.now(),
      actor: input.actor,
      action: input.action,
      resource: { type: input.resource.type, id: input.resource.id ?? null },
      outcome: input.outcome ?? 'success',
      origin: { ip: input.origin?.ip ?? null, userAgent: input.origin?.userAgent ?? null, requestId: input.origin?.requestId ?? null },
      metadata: input.metadata ?? {},
    });
    const inserted = await this.deps.auditLog.append(entry);
    if (inserted) return entry;
    return (await this.deps.auditLog.findById(entry.id)) ?? entry;
  }
}
