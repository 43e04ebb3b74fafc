import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import type { Account } from './model.js';

const id = z.string().min(1).max(128);
const at = z.iso.datetime();

/** A courier or store owner hears of the decision on their documents (the notification consumer picks it up). */
export const accountVerificationDecided = defineEvent({
  type: 'identity.verification.decided',
  version: 1,
  aggregateType: 'account',
  description: 'An admin approved or rejected the documents of a courier or store owner.',
  payload: z.strictObject({ accountId: id, role: z.enum(['courier', 'store_owner']), decision: z.enum(['approved', 'rejected']), reason: z.string().max(500).nullable(), decidedBy: id, at }),
});

/**
 * What the account's owner must hear about at once, whatever their preferences:
 * someone is guessing the password, a stolen refresh token was replayed, or the
 * password was reset.
 */
export const SECURITY_ALERTS = ['login_locked', 'refresh_token_reused', 'password_reset'] as const;
export type SecurityAlert = (typeof SECURITY_ALERTS)[number];

export const securityAlerted = defineEvent({
  type: 'identity.security.alerted',
  version: 1,
  aggregateType: 'account',
  description: 'A security event on an account that its owner is told about: login locked after failed attempts, a refresh token reused (the session was revoked), or the password reset (every session was revoked).',
  payload: z.strictObject({ accountId: id, alert: z.enum(SECURITY_ALERTS), ip: z.string().max(64).nullable(), userAgent: z.string().max(512).nullable(), at }),
});

export const IDENTITY_EVENTS = [accountVerificationDecided, securityAlerted] as const;

export function verificationDecidedEvent(account: Account, at: Date): NewEvent {
  const v = account.toProps().verification;
  return {
    type: accountVerificationDecided.type, aggregateId: account.id, aggregateVersion: account.version, occurredAt: at.toISOString(),
    payload: { accountId: account.id, role: account.role, decision: v.status, reason: v.reason, decidedBy: v.decidedBy, at: at.toISOString() },
  };
}

export function securityAlertEvent(accountId: string, alert: SecurityAlert, origin: { ip?: string | null | undefined; userAgent?: string | null | undefined }, at: Date, aggregateVersion = 0): NewEvent {
  return {
    type: securityAlerted.type, aggregateId: accountId, aggregateVersion, occurredAt: at.toISOString(),
    payload: { accountId, alert, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null, at: at.toISOString() },
  };
}
