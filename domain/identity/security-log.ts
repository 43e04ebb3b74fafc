import type { RecordAuditEntryInput } from '../platform/use-cases/record-audit-entry.js';
import type { AuditOrigin } from '../platform/model.js';

/** The slice of the audit log identity writes to: admin actions and security events. */
export interface AuditWriter {
  execute(input: RecordAuditEntryInput): Promise<unknown>;
}

export type Origin = Partial<AuditOrigin>;

/** Security events (failed logins, lockouts, token reuse) land in the audit log under `auth.*`. */
export function securityEvent(
  audit: AuditWriter,
  action: `auth.${string}`,
  subject: { id: string | null; role: string },
  origin: Origin | undefined,
  metadata: Record<string, unknown> = {},
  outcome: 'success' | 'failure' = 'failure',
): Promise<unknown> {
  return audit.execute({ actor: subject, action, resource: { type: 'account', id: subject.id }, outcome, origin: origin ?? {}, metadata });
}
