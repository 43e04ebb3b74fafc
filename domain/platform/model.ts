import { validationError } from '../shared/errors.js';

/** Who did it. `role` is one of the four roles, or `system` for the platform itself. */
export interface AuditActor {
  id: string | null;
  role: string;
}
/** Where the request came from. */
export interface AuditOrigin {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}
export type AuditOutcome = 'success' | 'failure';

export interface AuditEntryProps {
  id: string;
  at: Date;
  actor: AuditActor;
  action: string;
  resource: { type: string; id: string | null };
  outcome: AuditOutcome;
  origin: AuditOrigin;
  metadata: Record<string, unknown>;
}

/** What the outside world sees: the same fields, with the time as ISO-8601. */
export type AuditEntryView = Omit<AuditEntryProps, 'at'> & { at: string };

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/; // e.g. account.suspend, auth.login_failed
const MAX_METADATA_BYTES = 8_192;

/**
 * One line of the audit log: who did what to which resource, when, from where.
 * Append-only: there is no way to change an entry once created.
 */
export class AuditEntry {
  private constructor(private readonly props: AuditEntryProps) {}

  static create(props: AuditEntryProps): AuditEntry {
    if (!props.id) throw validationError('audit entry needs an id');
    if (!ACTION.test(props.action)) throw validationError('audit action must look like "context.verb"', { action: props.action });
    if (!props.actor.role) throw validationError('audit actor needs a role');
    if (!props.resource.type) throw validationError('audit resource needs a type');
    if (Number.isNaN(props.at.getTime())) throw validationError('audit entry needs a valid time');
    if (JSON.stringify(props.metadata ?? {}).length > MAX_METADATA_BYTES) {
      throw validationError(`audit metadata exceeds ${MAX_METADATA_BYTES} bytes`);
    }
    return new AuditEntry({ ...props, metadata: props.metadata ?? {} });
  }

  /** Rebuild from storage: the data was valid when written. */
  static restore(props: AuditEntryProps): AuditEntry {
    return new AuditEntry(props);
  }

  get id(): string {
    return this.props.id;
  }
  get at(): Date {
    return this.props.at;
  }
  toProps(): AuditEntryProps {
    return { ...this.props };
  }
  toView(): AuditEntryView {
    const p = this.props;
    return { ...p, at: p.at.toISOString(), actor: { ...p.actor }, resource: { ...p.resource }, origin: { ...p.origin } };
  }
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  /** Matches every action starting with this, e.g. `auth.` */
  actionPrefix?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
}

/**
 * A marketplace setting as stored: only keys an admin has changed have one
 * (the others read their default at version 0). `value` is the JSON the key's
 * schema accepted when it was written.
 */
export interface StoredSetting {
  key: string;
  value: unknown;
  /** 1 for the first change, +1 per change. */
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
}

/** One line of a setting's history: the version it produced and what it replaced. */
export interface SettingChange extends StoredSetting {
  previousValue: unknown;
  reason: string | null;
}

/** What an admin sees of one key. */
export interface SettingView {
  key: string;
  value: unknown;
  version: number;
  default: unknown;
  public: boolean;
  description: string;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface SettingChangeView {
  version: number;
  value: unknown;
  previousValue: unknown;
  at: string;
  by: string | null;
  reason: string | null;
}
