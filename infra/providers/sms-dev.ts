import type { Logger } from 'pino';
import type { SmsSender } from '../../domain/identity/ports.js';

export interface OutboxMessage {
  to: string;
  body: string;
  at: Date;
}

/**
 * Development SMS: the message goes to the log and to an in-memory outbox that
 * tests read. Never configured in production (infra/config.ts refuses it).
 */
export class DevSmsSender implements SmsSender {
  readonly outbox: OutboxMessage[] = [];
  constructor(private readonly logger: Logger, private readonly limit = 1_000) {}

  async send(to: string, body: string): Promise<void> {
    this.outbox.push({ to, body, at: new Date() });
    if (this.outbox.length > this.limit) this.outbox.shift();
    this.logger.info({ sms: { to, body } }, 'dev SMS (not sent)');
  }

  /** Messages to one phone, oldest first. */
  to(phone: string): OutboxMessage[] {
    return this.outbox.filter((m) => m.to === phone);
  }

  /** The 6-digit code in the newest message to `phone`, if any. */
  lastCode(phone: string): string | null {
    const last = this.to(phone).at(-1);
    return last ? (/\b(\d{6})\b/.exec(last.body)?.[1] ?? null) : null;
  }
}
