import { Schema, type Connection, type Model } from 'mongoose';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { AuditEntry, type AuditFilter, type AuditOutcome } from '../../../domain/platform/model.js';
import type { AuditLogRepository } from '../../../domain/platform/ports.js';
import { optStr, str, when } from './guard.js';

interface AuditDoc {
  _id: string;
  at: Date;
  actor: { id: string | null; role: string };
  action: string;
  resource: { type: string; id: string | null };
  outcome: string;
  origin: { ip: string | null; userAgent: string | null; requestId: string | null };
  metadata: Record<string, unknown>;
}

const auditSchema = new Schema<AuditDoc>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    actor: { id: { type: String, default: null }, role: { type: String, required: true } },
    action: { type: String, required: true },
    resource: { type: { type: String, required: true }, id: { type: String, default: null } },
    outcome: { type: String, required: true },
    origin: { ip: { type: String, default: null }, userAgent: { type: String, default: null }, requestId: { type: String, default: null } },
    metadata: { type: Schema.Types.Mixed, default: {} },
  },
  { collection: 'audit_log', versionKey: false, minimize: false },
);

export function auditModel(conn: Connection): Model<AuditDoc> {
  return (conn.models.AuditEntry as Model<AuditDoc> | undefined) ?? conn.model<AuditDoc>('AuditEntry', auditSchema);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const toEntry = (d: AuditDoc): AuditEntry =>
  AuditEntry.restore({
    id: d._id,
    at: new Date(d.at),
    actor: { id: d.actor?.id ?? null, role: d.actor.role },
    action: d.action,
    resource: { type: d.resource.type, id: d.resource?.id ?? null },
    outcome: d.outcome as AuditOutcome,
    origin: { ip: d.origin?.ip ?? null, userAgent: d.origin?.userAgent ?? null, requestId: d.origin?.requestId ?? null },
    metadata: d.metadata ?? {},
  });

export class MongoAuditLogRepository implements AuditLogRepository {
  private readonly model: Model<AuditDoc>;
  constructor(conn: Connection) {
    this.model = auditModel(conn);
  }

  async append(entry: AuditEntry): Promise<boolean> {
    const p = entry.toProps();
    // Stored in its JSON form, as SQL's jsonb holds it: dates become ISO strings and undefined
    // keys vanish (BSON would keep a Date and turn undefined into null), so both read back alike.
    const metadata = JSON.parse(JSON.stringify(p.metadata)) as Record<string, unknown>;
    const doc: AuditDoc = { _id: str(p.id, 'id'), at: p.at, actor: p.actor, action: p.action, resource: p.resource, outcome: p.outcome, origin: p.origin, metadata };
    // $setOnInsert keeps the first write: a retried append never overwrites.
    const r = await this.model.updateOne({ _id: p.id }, { $setOnInsert: doc }, { upsert: true });
    return r.upsertedCount === 1;
  }

  async findById(id: string): Promise<AuditEntry | null> {
    const d = await this.model.findById(str(id, 'id')).lean<AuditDoc>().exec();
    return d ? toEntry(d) : null;
  }

  async search(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const q: Record<string, unknown> = {};
    const actorId = optStr(filter.actorId, 'actorId');
    const action = optStr(filter.action, 'action');
    const actionPrefix = optStr(filter.actionPrefix, 'actionPrefix');
    if (actorId !== undefined) q['actor.id'] = actorId;
    if (action !== undefined) q.action = action;
    if (actionPrefix !== undefined) {
      q.action = action !== undefined ? { $eq: action, $regex: `^${escapeRegex(actionPrefix)}` } : { $regex: `^${escapeRegex(actionPrefix)}` };
    }
    if (filter.resourceType !== undefined) q['resource.type'] = str(filter.resourceType, 'resourceType');
    if (filter.resourceId !== undefined) q['resource.id'] = str(filter.resourceId, 'resourceId');
    if (filter.outcome !== undefined) q.outcome = str(filter.outcome, 'outcome');
    if (filter.from !== undefined || filter.to !== undefined) {
      q.at = { ...(filter.from ? { $gte: when(filter.from, 'from') } : {}), ...(filter.to ? { $lt: when(filter.to, 'to') } : {}) };
    }
    const [total, docs] = await Promise.all([
      this.model.countDocuments(q).exec(),
      this.model.find(q).sort({ at: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<AuditDoc[]>().exec(),
    ]);
    return toPage(docs.map(toEntry), total, page);
  }
}
