import { useState } from 'preact/hooks';
import { statusLabel, t, timeOf } from './i18n';
import { ACTIVE, promisedBy, type Alert, type Delivery } from './ops-model';
import { MIN_REASON, type ActionOutcome, type BulkAction } from './ops-actions';

export type { ActionOutcome };

export function Kpi(props: { label: string; value: string | number; id: string }) {
  return (
    <span class="kpi" data-testid={`kpi-${props.id}`}>
      {props.label}
      <b>{props.value}</b>
    </span>
  );
}

/** Assign / reassign / unassign the selected deliveries, always with a reason. */
export function ActionBar(props: { selected: Delivery[]; onRun: (action: BulkAction, courierId: string, reason: string) => Promise<void>; outcome: ActionOutcome | null }) {
  const [courierId, setCourierId] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const n = props.selected.length;
  const hasReason = reason.trim().length >= MIN_REASON;
  const go = async (action: BulkAction) => {
    setBusy(true);
    try {
      await props.onRun(action, courierId, reason);
      setReason('');
    } finally {
      setBusy(false);
    }
  };
  const o = props.outcome;
  return (
    <section class="actionbar" data-testid="actionbar">
      <span data-testid="selected-count">{t('selected', { count: n })}</span>
      <input placeholder={t('courierId')} value={courierId} onInput={(e) => setCourierId((e.target as HTMLInputElement).value)} data-field="courier" />
      <input placeholder={t('reason')} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} data-field="reason" />
      <button type="button" class="primary" data-action="assign" disabled={busy || !n || !courierId.trim() || !hasReason} onClick={() => void go('assign')}>
        {props.selected.some((d) => d.courierId) ? t('reassign') : t('assign')}
      </button>
      <button type="button" data-action="unassign" disabled={busy || !n || !hasReason || props.selected.some((d) => !d.courierId)} onClick={() => void go('unassign')}>
        {t('unassign')}
      </button>
      {o ? (
        <div class="outcome" data-testid="action-result" data-done={o.done} data-failed={o.failed.length}>
          <span class="muted">{o.failed.length ? t('actionPartly', { action: t(o.action), done: o.done, failed: o.failed.length }) : t('actionDone', { action: t(o.action), count: o.done })}</span>
          <ul>
            {o.failed.map((f) => (
              <li key={f.deliveryId} class="error" data-testid={`failed-${f.deliveryId}`}>
                {f.orderId.slice(-10)}: {f.code} {f.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

const alertText = (a: Alert): string => {
  switch (a.kind) {
    case 'late':
      return t('alertLate', { id: a.orderId.slice(-10), minutes: Math.max(1, Math.round(a.lateS / 60)) });
    case 'offer':
      return t('alertOffer', { id: (a.orderId ?? a.deliveryId).slice(-10), courier: a.courierId.slice(-6), seconds: a.leftS });
    case 'cash':
      return t('alertCash', { id: a.courierId.slice(-6) });
    case 'stale':
      return t('alertStale', { id: a.courierId.slice(-6), seconds: a.silentS });
  }
};

/** Late deliveries, expiring offers, couriers over their cash limit, stale couriers (the stalest few, and how many in all). */
export function AlertList(props: { alerts: Alert[]; staleCount: number; truncatedAreas: number; onSelect: (deliveryId: string) => void }) {
  const listedStale = props.alerts.filter((a) => a.kind === 'stale').length;
  return (
    <section>
      <h2>
        {t('alerts')} <span class="badge">{props.alerts.length - listedStale + props.staleCount}</span>
      </h2>
      <ul data-testid="alerts">
        {props.alerts.map((a) => (
          <li key={a.key} class={`alert-${a.kind}`} data-alert={a.kind} data-id={'deliveryId' in a ? a.deliveryId : a.courierId} data-eta={a.kind === 'late' ? a.eta : undefined}>
            {'deliveryId' in a ? (
              <button type="button" class="link" onClick={() => props.onSelect(a.deliveryId)}>
                {alertText(a)}
              </button>
            ) : (
              alertText(a)
            )}
          </li>
        ))}
        {props.staleCount > listedStale ? <li class="muted">{t('alertStaleMore', { count: props.staleCount - listedStale })}</li> : null}
        {props.truncatedAreas ? <li class="muted" data-testid="truncated">{t('truncatedAreas', { count: props.truncatedAreas })}</li> : null}
      </ul>
    </section>
  );
}

/** Unassigned deliveries first (age, promised time), then the active ones grouped by courier. */
export function DeliveryLists(props: { deliveries: Delivery[]; selected: Set<string>; toggle: (id: string) => void; now: number; promiseMinutes: number }) {
  const { deliveries, selected, toggle, now } = props;
  const unassigned = deliveries.filter((d) => d.status === 'pending');
  const byCourier = new Map<string, Delivery[]>();
  for (const d of deliveries.filter((x) => ACTIVE.has(x.status))) byCourier.set(d.courierId ?? '?', [...(byCourier.get(d.courierId ?? '?') ?? []), d]);
  const row = (d: Delivery) => (
    <li key={d.id} class={selected.has(d.id) ? 'selected' : ''} data-testid={`delivery-${d.id}`} data-status={d.status} data-courier={d.courierId ?? ''}>
      <input type="checkbox" checked={selected.has(d.id)} onChange={() => toggle(d.id)} aria-label={d.id} />
      <span class="who" onClick={() => toggle(d.id)}>
        {d.orderId.slice(-10)} · {statusLabel(d.status)}
      </span>
      <span class="muted">
        {t('age', { minutes: Math.max(0, Math.round((now - Date.parse(d.createdAt)) / 60_000)) })} · {t('promised', { time: timeOf(new Date(promisedBy(d, props.promiseMinutes)).toISOString()) })}
      </span>
    </li>
  );
  return (
    <>
      <section>
        <h2>{t('unassigned')}</h2>
        <ul data-testid="unassigned">{unassigned.length ? unassigned.map(row) : <li class="muted">{t('noDeliveries')}</li>}</ul>
      </section>
      <section>
        <h2>{t('active')}</h2>
        {[...byCourier].map(([cid, list]) => (
          <div key={cid} data-testid={`courier-${cid}`}>
            <b>{cid.slice(-8)}</b>
            <ul>{list.map(row)}</ul>
          </div>
        ))}
      </section>
    </>
  );
}
