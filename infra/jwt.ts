import jwt from 'jsonwebtoken';
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { AppError } from '../domain/shared/errors.js';
import { ROLES, type Principal, type Role } from '../domain/shared/principal.js';

export interface JwtSettings {
  JWT_SECRET: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  ACCESS_TOKEN_TTL_S: number;
}

/** One pinned algorithm: a token that names any other (including `none`) is refused. */
const ALGORITHM = 'HS256' as const;

export interface AccessClaims {
  sub: string;
  role: Role;
  perms: string[];
  sid: string;
}

/** Signs and verifies access JWTs: iss, aud, sub, role, permissions, session id and a jti. */
export class AccessTokens {
  /** Built once: given a string, jsonwebtoken tries to parse it as a public key on every call. */
  private readonly key: KeyObject;

  constructor(private readonly s: JwtSettings) {
    this.key = createSecretKey(Buffer.from(s.JWT_SECRET, 'utf8'));
  }

  sign(claims: AccessClaims, ttlS = this.s.ACCESS_TOKEN_TTL_S): { token: string; expiresAt: number; jti: string } {
    const jti = randomUUID();
    const token = jwt.sign({ role: claims.role, perms: claims.perms, sid: claims.sid, typ: 'access' }, this.key, {
      algorithm: ALGORITHM,
      issuer: this.s.JWT_ISSUER,
      audience: this.s.JWT_AUDIENCE,
      subject: claims.sub,
      expiresIn: ttlS,
      jwtid: jti,
    });
    return { token, jti, expiresAt: Math.floor(Date.now() / 1000) + ttlS };
  }

  /** Returns the principal, or throws INVALID_TOKEN (401) for anything off. */
  verify(token: string): Principal {
    let payload: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.s.JWT_ISSUER,
        audience: this.s.JWT_AUDIENCE,
      });
      if (typeof decoded === 'string') throw new Error('string payload');
      payload = decoded;
    } catch (err) {
      const expired = (err as Error).name === 'TokenExpiredError';
      throw new AppError('INVALID_TOKEN', expired ? 'Token expired' : 'Invalid token');
    }
    const { sub, role, perms, sid, jti, exp, typ } = payload as jwt.JwtPayload & { role?: string; perms?: unknown; sid?: string; typ?: string };
    if (typ !== 'access' || !sub || !jti || !sid || !exp || !ROLES.includes(role as Role) || !Array.isArray(perms)) {
      throw new AppError('INVALID_TOKEN', 'Invalid token');
    }
    return { accountId: sub, role: role as Role, permissions: perms.filter((x): x is string => typeof x === 'string'), sessionId: sid, tokenId: jti, expiresAt: exp };
  }
}
