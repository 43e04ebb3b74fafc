import { useEffect, useRef, useState } from 'preact/hooks';
import type { Socket } from 'socket.io-client';
import { api, ask, liveSocket } from './api';
import { Header, SignedIn } from './shell';
import { currentLang, money, statusLabel, t, timeOf } from './i18n';
import { exposeForTests } from './test-hook';

interface Order {
  id: string;
  number: string;
  status: string;
  currency: string;
  totals: { totalMinor: number };
  lines: { name: { ar: string; en: string }; quantity: number }[];
  timeline: Record<string, string>;
}
interface Position { lat: number; lng: number }

const INCOMING = new Set(['placed', 'awaiting_payment']);
/** Orders the store acts on or follows live; the rest are history. */
const WITH_DELIVERY = new Set(['confirmed', 'preparing', 'ready_for_pickup', 'picked_up']);
const POLL_MS = 4000;

export function StorePage() {
  return <SignedIn roles={['store_owner']} title={t('storeTitle')}>{() => <Console />}</SignedIn>;
}

function Console() {
  const [orders, setOrders] = useState<Order[]>([]);
  const [alert, setAlert] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [couriers, setCouriers] = useState<Record<string, Position>>({});
  const [error, setError] = useState('');
  const known = useRef<Set<string> | null>(null);
  const socketRef = useRef<Socket | null>(null);
  const watched = useRef(new Set<string>());

  const load = async () => {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const page = await api<{ items: Order[] }>('GET', `/orders?from=${encodeURIComponent(midnight.toISOString())}&limit=100`);
    const fresh = page.items.filter((o) => INCOMING.has(o.status) && known.current && !known.current.has(o.id));
    if (fresh.length) {
      setAlert(t('newOrderAlert', { number: fresh.map((o) => o.number).join(', ') }));
      chime();
    }
    known.current = new Set(page.items.map((o) => o.id));
    setOrders(page.items);
    // Follow the courier of each order that has a delivery (watching needs one).
    const socket = socketRef.current;
    if (socket?.connected) {
      for (const o of page.items) {
        if (!WITH_DELIVERY.has(o.status) || watched.current.has(o.id)) continue;
        watched.current.add(o.id);
        void ask(socket, 'order:watch', { orderId: o.id }).catch(() => watched.current.delete(o.id));
      }
    }
  };

  useEffect(() => {
    const socket = liveSocket(
      '/customer',
      () => {
        watched.current.clear();
        void load().catch(() => undefined);
      },
      setLive,
    );
    socketRef.current = socket;
    socket.on('courier:position', (p: Position & { orderId: string }) => setCouriers((c) => ({ ...c, [p.orderId]: { lat: p.lat, lng: p.lng } })));
    socket.on('order:updated', () => void load().catch(() => undefined));
    socket.on('notification:new', () => void load().catch(() => undefined));
    void load().catch((err: Error) => setError(err.message));
    const poll = setInterval(() => void load().catch(() => undefined), POLL_MS);
    exposeForTests({ reloadOrders: load });
    return () => {
      clearInterval(poll);
      socket.close();
    };
  }, []);

  const act = async (order: Order, step: 'confirm' | 'reject' | 'preparing' | 'ready', reason?: string) => {
    try {
      setError('');
      await api('POST', `/orders/${order.id}/${step}`, step === 'reject' ? { reason } : {});
      setAlert(null);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <>
      <Header title={t('storeTitle')} live={live} />
      {alert ? (
        <div class="alert" role="alert" data-testid="alert" onClick={() => setAlert(null)}>
          {alert}
        </div>
      ) : null}
      {error ? <p class="error card">{error}</p> : null}
      <h2 class="card">{t('todaysOrders')}</h2>
      {orders.length === 0 ? <p class="muted card">{t('noOrders')}</p> : null}
      <div class="orders">
        {orders.map((o) => (
          <OrderCard key={o.id} order={o} courier={couriers[o.id]} act={act} />
        ))}
      </div>
    </>
  );
}

function OrderCard({ order, courier, act }: { order: Order; courier: Position | undefined; act: (o: Order, step: 'confirm' | 'reject' | 'preparing' | 'ready', reason?: string) => Promise<void> }) {
  const [reason, setReason] = useState('');
  const lang = currentLang();
  const placedAt = order.timeline.placed;
  return (
    <article class="order card" data-testid={`order-${order.id}`} data-status={order.status}>
      <div class="head">
        <b>{order.number}</b>
        <span class={`badge ${order.status}`}>{statusLabel(order.status)}</span>
      </div>
      <p class="muted">
        {placedAt ? timeOf(placedAt) : ''} · {t('total', { amount: money(order.totals.totalMinor, order.currency) })}
      </p>
      <ul>
        {order.lines.map((l, i) => (
          <li key={i}>
            {l.quantity} × {l.name[lang] || l.name.en}
          </li>
        ))}
      </ul>
      {courier ? (
        <p class="muted" data-testid="courier-position">
          {t('courierAt', { lat: courier.lat.toFixed(4), lng: courier.lng.toFixed(4) })}
        </p>
      ) : null}
      <div class="actions">
        {INCOMING.has(order.status) ? (
          <>
            <button type="button" class="primary" data-action="confirm" onClick={() => void act(order, 'confirm')}>
              {t('accept')}
            </button>
            <input placeholder={t('rejectReason')} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} data-field="reason" />
            <button type="button" class="danger" data-action="reject" disabled={reason.trim().length < 3} onClick={() => void act(order, 'reject', reason.trim())}>
              {t('reject')}
            </button>
          </>
        ) : null}
        {order.status === 'confirmed' ? (
          <button type="button" class="primary" data-action="preparing" onClick={() => void act(order, 'preparing')}>
            {t('markPreparing')}
          </button>
        ) : null}
        {order.status === 'preparing' ? (
          <button type="button" class="primary" data-action="ready" onClick={() => void act(order, 'ready')}>
            {t('markReady')}
          </button>
        ) : null}
      </div>
    </article>
  );
}

let audio: AudioContext | null = null;
/** A short two-tone chime made with Web Audio (no sound file, nothing for the CSP to allow). */
function chime(): void {
  try {
    audio ??= new AudioContext();
    const start = audio.currentTime;
    [880, 1320].forEach((freq, i) => {
      const osc = audio!.createOscillator();
      const gain = audio!.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.2, start + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.18 + 0.16);
      osc.connect(gain).connect(audio!.destination);
      osc.start(start + i * 0.18);
      osc.stop(start + i * 0.18 + 0.17);
    });
    exposeForTests({ chimes: ((window.daraa?.chimes as number | undefined) ?? 0) + 1 });
  } catch {
    // Audio blocked until the user interacts: the visible alert remains.
  }
}
