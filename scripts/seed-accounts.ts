import type { Role } from '../domain/shared/principal.js';

/** The password of every seeded account (both seeds). */
export const SEED_PASSWORD = process.env.DARAA_SEED_PASSWORD || 'Seed!load-test-1';

const ROLE_DIGIT: Record<Role, string> = { courier: '1', customer: '2', store_owner: '3', admin: '4' };
/** +1555 <role digit> <6-digit index>: one block of numbers per role, so every run finds its accounts again. */
export const seedPhone = (role: Role, i: number): string => `+1555${ROLE_DIGIT[role]}${String(i).padStart(6, '0')}`;
