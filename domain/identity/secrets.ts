import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Refresh tokens are 256 random bits, so a plain SHA-256 is enough to store them. */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');
export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Six digits, uniformly drawn. */
export const newOtpCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/**
 * A 6-digit code has only 20 bits: a plain hash would fall to an offline
 * search, so it is keyed with a server secret and bound to its challenge.
 */
export const hashOtp = (secret: string, challengeId: string, code: string): string =>
  createHmac('sha256', secret).update(`${challengeId}:${code}`).digest('hex');

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** For keys that must not carry a phone or email in clear (throttle keys, audit metadata). */
export const fingerprint = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 24);
