import type { Logger } from 'pino';
import type { SmsSender } from '../../domain/identity/ports.js';
import { serviceUnavailable } from '../../domain/shared/errors.js';

export interface HttpSmsSettings {
  /** Full Messages endpoint, e.g. https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json */
  url: string;
  /** `accountSid:authToken`, sent as HTTP Basic. */
  token: string;
  from: string;
  timeoutMs?: number;
}

/**
 * Twilio-style REST: POST form-encoded To, From, Body with Basic auth; any 2xx
 * is accepted. The message body is never logged (it carries a code).
 */
export class HttpSmsSender implements SmsSender {
  constructor(private readonly s: HttpSmsSettings, private readonly logger: Logger) {}

  async send(to: string, body: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.s.url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(this.s.token).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ To: to, From: this.s.from, Body: body }).toString(),
        signal: AbortSignal.timeout(this.s.timeoutMs ?? 5_000),
      });
    } catch (err) {
      this.logger.error({ err, to: mask(to) }, 'SMS provider unreachable');
      throw serviceUnavailable('SMS provider unreachable', err);
    }
    if (!res.ok) {
      const detail = (await res.text().catch(() => '')).slice(0, 300);
      this.logger.error({ status: res.status, detail, to: mask(to) }, 'SMS provider refused the message');
      throw serviceUnavailable(`SMS provider answered ${res.status}`);
    }
  }
}

const mask = (phone: string) => `${phone.slice(0, 4)}…${phone.slice(-2)}`;
