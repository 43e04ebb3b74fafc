import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { AuditEntry, type AuditFilter, type AuditOutcome } from '../../../domain/platform/model.js';
import type { AuditLogRepository } from '../../../domain/platform/ports.js';
import type { SqlExecutor } from './client.js';
import { Where } from './where.js';

interface AuditRow {
  id: string;
  at: Date | string;
  actor_id: string | null;
  actor_role: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: Record<string, unknown> | string;
}

const toEntry = (r: AuditRow): AuditEntry =>
  AuditEntry.restore({
    id: r.id,
    at: new Date(r.at),
    actor: { id: r.actor_id, role: r.actor_role },
    action: r.action,
    resource: { type: r.resource_type, id: r.resource_id },
    outcome: r.outcome as AuditOutcome,
    origin: { ip: r.ip, userAgent: r.user_agent, requestId: r.request_id },
    metadata: typeof r.metadata === 'string' ? (JSON.parse(r.metadata) as Record<string, unknown>) : r.metadata,
  });

/** Escape LIKE wildcards so a prefix filter matches literally. */
const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class SqlAuditLogRepository implements AuditLogRepository {
  constructor(private readonly db: SqlExecutor) {}

  async append(entry: AuditEntry): Promise<boolean> {
    const p = entry.toProps();
    const r = await this.db.query(
      `insert into audit_log (id, at, actor_id, actor_role, action, resource_type, resource_id, outcome, ip, user_agent, request_id, metadata)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12::jsonb) on conflict (id) do nothing`,
      [p.id, p.at.toISOString(), p.actor.id, p.actor.role, p.action, p.resource.type, p.resource.id, p.outcome, p.origin.ip, p.origin.userAgent, p.origin.requestId, JSON.stringify(p.metadata)],
    );
    return r.rowCount === 1;
  }

  async findById(id: string): Promise<AuditEntry | null> {
    const r = await this.db.query<AuditRow>('select * from audit_log where id = $1', [id]);
    return r.rows[0] ? toEntry(r.rows[0]) : null;
  }

  async search(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const where = new Where()
      .add('actor_id = ?', filter.actorId)
      .add('action = ?', filter.action)
      .add(`action like ? escape '\\'`, filter.actionPrefix === undefined ? undefined : likePrefix(filter.actionPrefix))
      .add('resource_type = ?', filter.resourceType)
      .add('resource_id = ?', filter.resourceId)
      .add('outcome = ?', filter.outcome)
      .add('at >= ?', filter.from?.toISOString())
      .add('at < ?', filter.to?.toISOString());
    const clause = String(where);
    const params = where.params;
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from audit_log ${clause}`, params);
    const rows = await this.db.query<AuditRow>(
      `select * from audit_log ${clause} order by at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`,
      params,
    );
    return toPage(rows.rows.map(toEntry), Number(count.rows[0]?.n ?? 0), page);
  }
}
