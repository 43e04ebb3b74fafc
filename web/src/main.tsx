import { render } from 'preact';
import { applyLang, currentLang, t } from './i18n';
import './styles.css';

// One HTML shell; the path picks the page, each page its own chunk (the map library only where a map is).
applyLang(currentLang());
const root = document.getElementById('app')!;
const path = location.pathname.replace(/\/$/, '');
const track = /^\/track\/([^/]+)$/.exec(path);

async function start(): Promise<void> {
  if (track) {
    const { TrackPage } = await import('./track');
    render(<TrackPage orderId={decodeURIComponent(track[1]!)} />, root);
  } else if (path === '/store') {
    const { StorePage } = await import('./store');
    render(<StorePage />, root);
  } else if (path === '/ops') {
    const { OpsPage } = await import('./ops');
    render(<OpsPage />, root);
  } else {
    render(<p>{t('notFound')}</p>, root);
  }
}
void start();
