import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { ProviderError } from '../../domain/shared/errors.js';
import type { EmailSender } from '../../domain/notification/ports.js';

/** Email over SMTP with nodemailer: one pooled transport per process. */
export class SmtpEmailSender implements EmailSender {
  private readonly transport: Transporter;

  constructor(private readonly s: { url: string; from: string; timeoutMs?: number }, private readonly logger: Logger) {
    const t = s.timeoutMs ?? 10_000;
    this.transport = nodemailer.createTransport(s.url, { from: s.from, connectionTimeout: t, greetingTimeout: t, socketTimeout: t } as never);
  }

  async send(m: { to: string; subject: string; text: string; locale: string }): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.s.from, to: m.to, subject: m.subject, text: m.text, headers: { 'Content-Language': m.locale } });
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      // A 5xx answer is the server's final word on this message; anything else (refused, 4xx, timeout) may pass later.
      const permanent = typeof code === 'number' && code >= 500 && code < 600;
      this.logger.warn({ err, responseCode: code }, 'SMTP send failed');
      throw new ProviderError(`SMTP: ${(err as Error).message}`, !permanent, permanent ? `smtp_${code}` : 'smtp_unavailable');
    }
  }

  close(): void {
    this.transport.close();
  }
}

export interface SentEmail { to: string; subject: string; text: string; locale: string; at: Date }

/** Development email: logged and kept in memory. Used when SMTP_URL is not set. */
export class DevEmailSender implements EmailSender {
  readonly outbox: SentEmail[] = [];
  constructor(private readonly logger: Logger) {}

  async send(m: { to: string; subject: string; text: string; locale: string }): Promise<void> {
    this.outbox.push({ ...m, at: new Date() });
    if (this.outbox.length > 1_000) this.outbox.shift();
    this.logger.info({ email: { to: m.to, subject: m.subject } }, 'dev email (not sent)');
  }
}
