/** The four roles. Nobody registers as admin; admins are created by `npm run admin:create`. */
export const ROLES = ['customer', 'store_owner', 'courier', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Named admin permissions, grouped into admin roles by domain/identity. */
export const ADMIN_PERMISSIONS = [
  'accounts:read',
  'accounts:suspend',
  'verification:decide',
  'audit:read',
  'deliveries:manage',
  'orders:manage',
  'couriers:read',
  'stores:manage',
  'catalog:manage',
  'settings:read',
  'settings:write',
  'payments:read',
  'payments:refund',
  /** Platform webhook endpoints, and any store's endpoints and delivery log (support). */
  'webhooks:manage',
  'notifications:manage',
  /** Remittances, payout decisions and batches, reconciliation, any owner's balances. */
  'finance:manage',
] as const;
export type Permission = (typeof ADMIN_PERMISSIONS)[number];

/** Who is calling, as established from a verified access token. */
export interface Principal {
  accountId: string;
  role: Role;
  permissions: readonly string[];
  sessionId: string;
  tokenId: string;
  expiresAt: number;
}

export const hasPermission = (p: Principal, perm: string): boolean => p.role === 'admin' && p.permissions.includes(perm);

/**
 * Ownership (BOLA) rule shared by every context: the owner may act on their own
 * resource, an admin only with `permission`. Everyone else must be told the
 * resource does not exist (404), never that it is forbidden.
 */
export const canAccess = (p: Principal, ownerId: string, permission?: string): boolean =>
  p.accountId === ownerId || (permission !== undefined && hasPermission(p, permission));
