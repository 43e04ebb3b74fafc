import { validationError, AppError } from '../shared/errors.js';
import { ADMIN_PERMISSIONS, type Permission, type Role } from '../shared/principal.js';

/** Roles anyone may register as. Admins only come from `npm run admin:create`. */
export const SELF_SERVICE_ROLES = ['customer', 'store_owner', 'courier'] as const;
export type SelfServiceRole = (typeof SELF_SERVICE_ROLES)[number];

/** Admin roles group admin permissions. A super-admin holds every permission. */
export const ADMIN_ROLES = {
  super_admin: [...ADMIN_PERMISSIONS],
  support: ['accounts:read', 'audit:read'],
  verifier: ['accounts:read', 'verification:decide'],
  security: ['accounts:read', 'accounts:suspend', 'audit:read'],
  operations: ['accounts:read', 'couriers:read', 'deliveries:manage', 'orders:manage', 'settings:read'],
} as const satisfies Record<string, readonly Permission[]>;
export type AdminRole = keyof typeof ADMIN_ROLES;
export const ADMIN_ROLE_NAMES = Object.keys(ADMIN_ROLES) as AdminRole[];
export const permissionsOf = (r: AdminRole | null): string[] => (r ? [...ADMIN_ROLES[r]] : []);

// ---------------------------------------------------------------- value rules

/** E.164: a plus, a non-zero country digit and 7–14 more digits. Spaces, dashes and dots are dropped first. */
const E164 = /^\+[1-9]\d{7,14}$/;
export function normalizePhone(raw: string): string | null {
  const s = raw.replace(/[\s().-]/g, '');
  return E164.test(s) ? s : null;
}
export const normalizeEmail = (raw: string): string => raw.trim().toLowerCase();

/** OWASP-style policy: at least 8 characters with upper, lower, digit and special; at most 128. */
export function passwordProblems(pw: string): string[] {
  const problems: string[] = [];
  if (pw.length < 8) problems.push('must be at least 8 characters');
  if (pw.length > 128) problems.push('must be at most 128 characters');
  if (!/[A-Z]/.test(pw)) problems.push('must contain an upper-case letter');
  if (!/[a-z]/.test(pw)) problems.push('must contain a lower-case letter');
  if (!/\d/.test(pw)) problems.push('must contain a digit');
  if (!/[^A-Za-z0-9]/.test(pw)) problems.push('must contain a special character');
  return problems;
}

// ---------------------------------------------------------------- profiles

export interface Address {
  label: string;
  line1: string;
  city: string;
  lat: number;
  lng: number;
}
export { VEHICLES as VEHICLE_TYPES } from '../shared/vehicles.js';
import type { Vehicle } from '../shared/vehicles.js';
export type VehicleType = Vehicle;

export interface CustomerProfile { name: string | null; addresses: Address[] }
export interface StoreOwnerProfile { businessName: string | null; legalName: string | null; registrationNumber: string | null; taxId: string | null }
export interface CourierProfile { name: string | null; vehicleType: VehicleType | null; capacityKg: number | null }
export interface AdminProfile { name: string | null }
export type Profile = CustomerProfile | StoreOwnerProfile | CourierProfile | AdminProfile;

/** What an owner may change in their profile: never role, status, verification or permissions. */
export type ProfilePatch = { email?: string | null } & Partial<CustomerProfile & StoreOwnerProfile & CourierProfile>;

const PROFILE_FIELDS: Record<Role, readonly string[]> = {
  customer: ['name', 'addresses'],
  store_owner: ['businessName', 'legalName', 'registrationNumber', 'taxId'],
  courier: ['name', 'vehicleType', 'capacityKg'],
  admin: ['name'],
};

export function emptyProfile(role: Role): Profile {
  switch (role) {
    case 'customer': return { name: null, addresses: [] };
    case 'store_owner': return { businessName: null, legalName: null, registrationNumber: null, taxId: null };
    case 'courier': return { name: null, vehicleType: null, capacityKg: null };
    case 'admin': return { name: null };
  }
}

// ---------------------------------------------------------------- account

export type AccountStatus = 'pending_verification' | 'active' | 'suspended';
/** Document verification of store owners and couriers; customers and admins need none. */
export type VerificationStatus = 'not_required' | 'not_submitted' | 'pending' | 'approved' | 'rejected';

export interface VerificationState {
  status: VerificationStatus;
  reason: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
}

export interface AccountProps {
  id: string;
  role: Role;
  phone: string;
  email: string | null;
  passwordHash: string;
  status: AccountStatus;
  phoneVerifiedAt: Date | null;
  profile: Profile;
  adminRole: AdminRole | null;
  verification: VerificationState;
  suspension: { reason: string; by: string | null; at: Date } | null;
  createdAt: Date;
  updatedAt: Date;
  /** Optimistic concurrency: a save succeeds only against the version it read. */
  version: number;
}

export interface AccountView {
  id: string;
  role: Role;
  phone: string;
  email: string | null;
  status: AccountStatus;
  phoneVerified: boolean;
  profile: Profile;
  profileComplete: boolean;
  adminRole: AdminRole | null;
  permissions: string[];
  verification: { status: VerificationStatus; reason: string | null; decidedAt: string | null };
  suspension: { reason: string; at: string } | null;
  createdAt: string;
  updatedAt: string;
}

const needsDocuments = (role: Role) => role === 'courier' || role === 'store_owner';

/** An account: one person, one role. The password hash never leaves through a view. */
export class Account {
  private constructor(private props: AccountProps) {}

  static create(input: { id: string; role: Role; phone: string; passwordHash: string; at: Date; email?: string | null; adminRole?: AdminRole | null; name?: string | null }): Account {
    const phone = normalizePhone(input.phone);
    if (!phone) throw validationError('Invalid phone number', [{ field: 'phone', message: 'must be an E.164 number like +14155550100' }]);
    if (input.role === 'admin' && !input.adminRole) throw validationError('An admin needs an admin role');
    if (input.role !== 'admin' && input.adminRole) throw validationError('Only admins have an admin role');
    const profile = emptyProfile(input.role);
    if (input.name && 'name' in profile) (profile as { name: string | null }).name = input.name;
    return new Account({
      id: input.id,
      role: input.role,
      phone,
      email: input.email ? normalizeEmail(input.email) : null,
      passwordHash: input.passwordHash,
      // Admins are created by an operator who vouches for the phone.
      status: input.role === 'admin' ? 'active' : 'pending_verification',
      phoneVerifiedAt: input.role === 'admin' ? input.at : null,
      profile,
      adminRole: input.adminRole ?? null,
      verification: { status: needsDocuments(input.role) ? 'not_submitted' : 'not_required', reason: null, decidedBy: null, decidedAt: null },
      suspension: null,
      createdAt: input.at,
      updatedAt: input.at,
      version: 0,
    });
  }

  static restore(props: AccountProps): Account {
    return new Account(props);
  }

  get id(): string { return this.props.id; }
  get role(): Role { return this.props.role; }
  get phone(): string { return this.props.phone; }
  get email(): string | null { return this.props.email; }
  get status(): AccountStatus { return this.props.status; }
  get passwordHash(): string { return this.props.passwordHash; }
  get version(): number { return this.props.version; }
  get verificationStatus(): VerificationStatus { return this.props.verification.status; }
  get permissions(): string[] { return permissionsOf(this.props.adminRole); }
  get isPhoneVerified(): boolean { return this.props.phoneVerifiedAt !== null; }

  get profileComplete(): boolean {
    const p = this.props.profile as unknown as Record<string, unknown>;
    return PROFILE_FIELDS[this.props.role].filter((f) => f !== 'addresses').every((f) => p[f] !== null && p[f] !== undefined);
  }

  verifyPhone(at: Date): void {
    if (this.props.phoneVerifiedAt) return;
    this.props.phoneVerifiedAt = at;
    if (this.props.status === 'pending_verification') this.props.status = 'active';
    this.touch(at);
  }

  /** Re-registration of a phone that never verified replaces the credentials. */
  restartRegistration(role: Role, passwordHash: string, at: Date): void {
    if (this.props.status !== 'pending_verification') throw new AppError('CONFLICT', 'Account already verified');
    this.props.role = role;
    this.props.passwordHash = passwordHash;
    this.props.profile = emptyProfile(role);
    this.props.verification = { status: needsDocuments(role) ? 'not_submitted' : 'not_required', reason: null, decidedBy: null, decidedAt: null };
    this.touch(at);
  }

  changePassword(passwordHash: string, at: Date): void {
    this.props.passwordHash = passwordHash;
    this.touch(at);
  }

  /** Applies only the fields of this role's profile; anything else is refused. */
  updateProfile(patch: ProfilePatch, at: Date): void {
    const allowed = new Set([...PROFILE_FIELDS[this.props.role], 'email']);
    const refused = Object.keys(patch).filter((k) => !allowed.has(k));
    if (refused.length) throw validationError('These fields are not part of this profile', refused.map((field) => ({ field: `body.${field}`, message: 'not allowed for this role' })));
    const { email, ...rest } = patch;
    if (email !== undefined) this.props.email = email === null ? null : normalizeEmail(email);
    this.props.profile = { ...this.props.profile, ...rest } as Profile;
    this.touch(at);
  }

  submitDocuments(at: Date): void {
    if (!needsDocuments(this.props.role)) throw new AppError('FORBIDDEN', 'This role has no documents to verify');
    if (this.props.verification.status === 'approved') return;
    this.props.verification = { status: 'pending', reason: null, decidedBy: null, decidedAt: null };
    this.touch(at);
  }

  decideVerification(decision: 'approve' | 'reject', reason: string | null, by: string, at: Date): void {
    if (!needsDocuments(this.props.role)) throw new AppError('UNPROCESSABLE_ENTITY', 'This account needs no verification');
    if (this.props.verification.status !== 'pending') throw new AppError('CONFLICT', 'No verification is pending for this account');
    if (decision === 'reject' && !reason) throw validationError('A rejection needs a reason', [{ field: 'body.reason', message: 'required when rejecting' }]);
    this.props.verification = { status: decision === 'approve' ? 'approved' : 'rejected', reason, decidedBy: by, decidedAt: at };
    this.touch(at);
  }

  suspend(reason: string, by: string | null, at: Date): void {
    if (this.props.status === 'suspended') throw new AppError('CONFLICT', 'Account is already suspended');
    this.props.suspension = { reason, by, at };
    this.props.status = 'suspended';
    this.touch(at);
  }

  unsuspend(at: Date): void {
    if (this.props.status !== 'suspended') throw new AppError('CONFLICT', 'Account is not suspended');
    this.props.suspension = null;
    this.props.status = this.props.phoneVerifiedAt ? 'active' : 'pending_verification';
    this.touch(at);
  }

  /** Repositories call this after a save succeeded against `version`. */
  markSaved(): void {
    this.props.version += 1;
  }

  private touch(at: Date): void {
    this.props.updatedAt = at;
  }

  toProps(): AccountProps {
    return structuredClone(this.props);
  }

  toView(): AccountView {
    const p = this.props;
    return {
      id: p.id,
      role: p.role,
      phone: p.phone,
      email: p.email,
      status: p.status,
      phoneVerified: p.phoneVerifiedAt !== null,
      profile: structuredClone(p.profile),
      profileComplete: this.profileComplete,
      adminRole: p.adminRole,
      permissions: this.permissions,
      verification: { status: p.verification.status, reason: p.verification.reason, decidedAt: p.verification.decidedAt?.toISOString() ?? null },
      suspension: p.suspension ? { reason: p.suspension.reason, at: p.suspension.at.toISOString() } : null,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}

export interface AccountFilter {
  /** Matches phone, email or a profile name, case-insensitively. */
  q?: string;
  role?: Role;
  status?: AccountStatus;
  verification?: VerificationStatus;
}

// ---------------------------------------------------------------- sessions, OTP, documents

/** One login = one session = one refresh-token family. */
export interface Session {
  id: string;
  accountId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** A refresh token, stored only as its SHA-256. `usedAt` set means it was rotated away. */
export interface RefreshTokenRecord {
  tokenHash: string;
  sessionId: string;
  accountId: string;
  issuedAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export type OtpPurpose = 'verify_phone' | 'reset_password';
export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;
export const OTP_RESEND_COOLDOWN_MS = 60_000;

/** One OTP sent to a phone. The code is stored only as an HMAC. */
export interface OtpChallenge {
  id: string;
  accountId: string;
  purpose: OtpPurpose;
  codeHash: string;
  createdAt: Date;
  expiresAt: Date;
  attempts: number;
  maxAttempts: number;
  consumedAt: Date | null;
}

export const DOCUMENT_KINDS = ['id_card', 'driving_license', 'vehicle_registration', 'business_license', 'tax_certificate'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface VerificationDocument {
  id: string;
  accountId: string;
  kind: DocumentKind;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  uploadedAt: Date;
}

/** What clients see: never the storage key; the upload time as ISO-8601. */
export type DocumentView = Omit<VerificationDocument, 'storageKey' | 'uploadedAt'> & { uploadedAt: string };
export const documentView = (d: VerificationDocument): DocumentView => ({
  id: d.id, accountId: d.accountId, kind: d.kind, contentType: d.contentType, sizeBytes: d.sizeBytes, sha256: d.sha256, uploadedAt: d.uploadedAt.toISOString(),
});

// ---------------------------------------------------------------- events

/**
 * Access-revocation events. Published in-process and on Redis so socket hubs
 * can disconnect the account's open sockets (docs/identity.md).
 */
export type IdentityEvent =
  | { type: 'identity.sessions_revoked'; accountId: string; sessionIds: string[]; reason: 'logout' | 'password_reset' | 'refresh_reuse' | 'suspended'; at: string }
  | { type: 'identity.account_suspended'; accountId: string; reason: string; at: string }
  | { type: 'identity.account_unsuspended'; accountId: string; at: string };
