import argon2 from 'argon2';
import type { PasswordHasher } from '../domain/identity/ports.js';

/**
 * argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane).
 * Hashes carry their parameters, so raising them later keeps old hashes valid.
 */
export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.params });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false; // a malformed stored hash never authenticates
    }
  }
}
