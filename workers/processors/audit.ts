import type { DomainEvent } from '../../domain/shared/events.js';
import { auditEntryInput, auditEntryRequested } from '../../domain/platform/events.js';
import { AppError } from '../../domain/shared/errors.js';
import type { RecordAuditEntry, RecordAuditEntryInput } from '../../domain/platform/use-cases/record-audit-entry.js';
import { eventConsumer, type ConsumerDeps } from '../consume.js';

/**
 * The audit consumer: writes requested audit entries as given (their own id
 * makes a second write a no-op) and one entry per delivery change, keyed by
 * the event id. Redelivered events are ignored (eventConsumer).
 */
export function auditProcessor(deps: ConsumerDeps & { recordAuditEntry: RecordAuditEntry }) {
  return eventConsumer('audit', deps, async (event) => {
    await deps.recordAuditEntry.execute(auditInputOf(event));
  });
}

function auditInputOf(event: DomainEvent): RecordAuditEntryInput {
  if (event.type === auditEntryRequested.type) {
    const parsed = auditEntryInput.safeParse(event.payload);
    if (!parsed.success) throw new AppError('VALIDATION_ERROR', `invalid ${event.type} payload`, { details: parsed.error.issues });
    return parsed.data;
  }
  return {
    id: event.id,
    actor: { id: null, role: 'system' },
    action: event.type,
    resource: { type: event.aggregateType, id: event.aggregateId },
    metadata: { ...(event.payload as Record<string, unknown>), aggregateVersion: event.aggregateVersion, occurredAt: event.occurredAt },
  };
}
