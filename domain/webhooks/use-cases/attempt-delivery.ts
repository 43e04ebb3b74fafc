import type { Outbox, UnitOfWork } from '../../shared/events.js';
import { conflict } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import { endpointDisabledEvent } from '../events.js';
import type { MessageStatus, SendResult, WebhookEndpoint, WebhookMessage } from '../model.js';
import type { AttemptScheduler, WebhookEndpointRepository, WebhookMessageRepository, WebhookSender } from '../ports.js';

export interface DeliverySettings {
  /** The delay before each attempt of a round (Svix's schedule, scaled by WEBHOOK_SCHEDULE_SCALE). */
  scheduleMs: readonly number[];
  disableAfterMs: number;
  /** How long an ordered message waits before looking again for its entity's earlier message. */
  orderedWaitMs: number;
}

export type AttemptOutcomeSummary = 'delivered' | 'retrying' | 'failed' | 'aborted' | 'waiting' | 'skipped';

/** Endpoint health is its own aggregate: a lost race re-reads it (a few tries are plenty: a write is one row). */
const HEALTH_TRIES = 5;

/**
 * Attempt `n` of a message: send it signed, log the attempt, settle the message
 * (delivered, aborted, failed, or the next attempt scheduled on the round's
 * schedule), and keep the endpoint's health: a success ends a failing run, and
 * a run longer than `disableAfterMs` disables the endpoint and tells its owner
 * (an outbox event in the same transaction).
 *
 * Safe to run twice for one attempt (a job retried after a crash): an attempt
 * already logged is not sent again, and the next one is scheduled again in
 * case the crash came between logging and scheduling. A crash between sending
 * and logging sends it twice: receivers dedupe by webhook-id.
 */
export class AttemptDelivery {
  constructor(private readonly deps: { webhookEndpoints: WebhookEndpointRepository; webhookMessages: WebhookMessageRepository; webhookSender: WebhookSender; attemptScheduler: AttemptScheduler; unitOfWork: UnitOfWork; outbox: Outbox; clock: Clock; deliverySettings: DeliverySettings }) {}

  async execute(messageId: string, n: number): Promise<AttemptOutcomeSummary> {
    const message = await this.deps.webhookMessages.findById(messageId);
    if (!message) return 'skipped';
    if (message.attempts >= n) return this.resumeSchedule(message);
    if (message.status !== 'pending' || message.attempts !== n - 1) return 'skipped';
    const endpoint = await this.deps.webhookEndpoints.findById(message.endpointId);
    if (!endpoint || endpoint.status === 'disabled') return this.giveUp(message);
    if (endpoint.ordered && (await this.deps.webhookMessages.hasEarlierPending(message))) {
      await this.deps.attemptScheduler.schedule([{ messageId, attempt: n, delayMs: this.deps.deliverySettings.orderedWaitMs, wait: true }]);
      return 'waiting';
    }
    const sentAt = this.deps.clock.now();
    const result = await this.deps.webhookSender.send({ url: endpoint.url, messageId, timestamp: sentAt, body: message.body, secrets: endpoint.signingSecrets(sentAt) });
    const next = await this.logAttempt(message, n, result, sentAt);
    await this.keepHealth(endpoint, result);
    if (next !== null) await this.deps.attemptScheduler.schedule([{ messageId, attempt: n + 1, delayMs: next }]);
    const settled: MessageStatus = message.toProps().status;
    return next !== null ? 'retrying' : settled === 'delivered' ? 'delivered' : settled === 'aborted' ? 'aborted' : 'failed';
  }

  private async logAttempt(message: WebhookMessage, n: number, result: SendResult, sentAt: Date): Promise<number | null> {
    const v = message.version;
    const next = message.settle(n, result, this.deps.deliverySettings.scheduleMs, this.deps.clock.now());
    await this.deps.unitOfWork.transaction(async () => {
      await this.deps.webhookMessages.recordAttempt({ messageId: message.id, endpointId: message.endpointId, n, at: sentAt.toISOString(), ...result });
      // Someone replayed it or another worker logged this attempt meanwhile: the job retries and finds out which.
      if (!(await this.deps.webhookMessages.save(message, v))) throw conflict('webhook message changed while it was attempted');
    });
    return next;
  }

  /**
   * Judged on the endpoint as read before the attempt, so a healthy endpoint's success costs no
   * extra read; only a lost race (another attempt changed it meanwhile) reads it again.
   */
  private async keepHealth(loaded: WebhookEndpoint, result: SendResult): Promise<void> {
    if (result.outcome === 'aborted') return; // the receiver chose to stop this message; it says nothing of its health
    let endpoint: WebhookEndpoint | null = loaded;
    for (let i = 0; i < HEALTH_TRIES && endpoint; i++) {
      const now = this.deps.clock.now();
      const v = endpoint.version;
      const disabled = result.outcome === 'delivered' ? false : endpoint.recordFailure(now, this.deps.deliverySettings.disableAfterMs);
      const changed = result.outcome === 'delivered' ? endpoint.recordSuccess(now) : endpoint.version !== v;
      if (!changed) return;
      const target = endpoint;
      const saved = await this.deps.unitOfWork.transaction(async () => {
        if (!(await this.deps.webhookEndpoints.save(target, v))) return false;
        if (disabled) await this.deps.outbox.add([endpointDisabledEvent(target, now)]);
        return true;
      });
      if (saved) return;
      endpoint = await this.deps.webhookEndpoints.findById(loaded.id);
    }
  }

  private async giveUp(message: WebhookMessage): Promise<AttemptOutcomeSummary> {
    const v = message.version;
    message.giveUp(this.deps.clock.now());
    await this.deps.webhookMessages.save(message, v);
    return 'failed';
  }

  /** The attempt is logged already: make sure the next one is scheduled (a repeat adds no second job). */
  private async resumeSchedule(message: WebhookMessage): Promise<AttemptOutcomeSummary> {
    const p = message.toProps();
    if (p.status !== 'pending' || p.nextAttemptAt === null) return 'skipped';
    const delayMs = Math.max(0, Date.parse(p.nextAttemptAt) - this.deps.clock.now().getTime());
    await this.deps.attemptScheduler.schedule([{ messageId: message.id, attempt: p.attempts + 1, delayMs }]);
    return 'skipped';
  }
}
