import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SmsSender } from '../../domain/identity/ports.js';

export interface OutboxMessage {
  to: string;
  body: string;
  at: Date;
}

/** The dev outbox file under DATA_DIR in development, read by `npm run demo` (another process) to verify phones. */
export const DEV_SMS_FILE = 'dev-sms.log';

const codeIn = (body: string): string | null => /\b(\d{6})\b/.exec(body)?.[1] ?? null;

/**
 * Development SMS: the message goes to the log and to an in-memory outbox that
 * tests read, and, when given a file, one JSON line per message appended to it
 * (so a process other than the app can read a verification code).
 * Never configured in production (infra/config.ts refuses it).
 */
export class DevSmsSender implements SmsSender {
  readonly outbox: OutboxMessage[] = [];
  constructor(private readonly logger: Logger, private readonly limit = 1_000, private readonly file?: string) {}

  async send(to: string, body: string): Promise<void> {
    const at = new Date();
    this.outbox.push({ to, body, at });
    if (this.outbox.length > this.limit) this.outbox.shift();
    this.logger.info({ sms: { to, body } }, 'dev SMS (not sent)');
    if (this.file) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${JSON.stringify({ to, body, at: at.toISOString() })}\n`, { mode: 0o600 });
    }
  }

  /** Messages to one phone, oldest first. */
  to(phone: string): OutboxMessage[] {
    return this.outbox.filter((m) => m.to === phone);
  }

  /** The 6-digit code in the newest message to `phone`, if any. */
  lastCode(phone: string): string | null {
    const last = this.to(phone).at(-1);
    return last ? codeIn(last.body) : null;
  }
}

/** The 6-digit code in the newest message to `phone` in a dev outbox file, if any. */
export function lastDevSmsCode(file: string, phone: string): string | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse();
  for (const line of lines) {
    const m = JSON.parse(line) as { to: string; body: string };
    if (m.to === phone) return codeIn(m.body);
  }
  return null;
}
