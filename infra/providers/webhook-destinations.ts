import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promisify } from 'node:util';
import { AppError } from '../../domain/shared/errors.js';
import type { DestinationPolicy } from '../../domain/webhooks/ports.js';

/** Loopback, private, link-local, shared (CGNAT), multicast and reserved ranges: never a webhook destination in production. */
const blocked = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** True for an address no production webhook may reach (IPv4-mapped IPv6 is judged as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const refused = (reason: string) => new AppError('WEBHOOK_URL_REFUSED', `This webhook URL is refused: ${reason}`, { details: [{ field: 'url', message: reason }] });
const lookupAll = promisify(dnsLookup) as unknown as (host: string, opts: { all: true }) => Promise<LookupAddress[]>;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Where webhooks may go. In production (`allowPrivate` false) only HTTPS URLs whose
 * host resolves to public addresses; the check runs when an endpoint is saved and
 * again at each connection (`lookup`), so a name re-pointed at a private address
 * after registration (DNS rebinding) is refused too. Tests and local development
 * set WEBHOOK_ALLOW_PRIVATE_DESTINATIONS to reach their local receivers.
 */
export class WebhookDestinations implements DestinationPolicy {
  constructor(private readonly settings: { allowPrivate: boolean }) {}

  async assertAllowed(raw: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refused('not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused('only https URLs');
    if (url.username || url.password) throw refused('credentials in the URL');
    if (this.settings.allowPrivate) return;
    if (url.protocol !== 'https:') throw refused('only https URLs');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : await lookupAll(host, { all: true }).then((a) => a.map((x) => x.address), () => { throw refused('the host does not resolve'); });
    if (addresses.length === 0 || addresses.some(isPrivateAddress)) throw refused('the host resolves to a loopback, private or link-local address');
  }

  /** For http(s).request: resolves like dns.lookup, refusing private addresses unless allowed. */
  readonly lookup = (hostname: string, options: { all?: boolean } & object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, []);
      const bad = !this.settings.allowPrivate && addresses.some((a) => isPrivateAddress(a.address));
      if (bad) return callback(Object.assign(new Error('destination resolves to a private address'), { code: 'WEBHOOK_URL_REFUSED' }), []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };

  /** A literal IP in the URL is never looked up: it is judged here, at send time. */
  literalRefused(url: URL): boolean {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return !this.settings.allowPrivate && (url.protocol !== 'https:' || (isIP(host) !== 0 && isPrivateAddress(host)));
  }
}
