import { id, text, z } from '../zod.js';
import { ROLES } from '../../domain/shared/principal.js';
import { EXAMPLE_ID } from './example-ids.js';
import { ADMIN_ROLE_NAMES, DOCUMENT_KINDS, normalizePhone, passwordProblems, SELF_SERVICE_ROLES, VEHICLE_TYPES } from '../../domain/identity/model.js';

/** Request and response schemas of the identity routes, shared by auth, accounts and admin. */
export const phone = z
  .string()
  .max(32)
  .refine((s) => normalizePhone(s) !== null, { message: 'must be an E.164 number like +14155550100' })
  .openapi({ example: '+963933456789' });

export const password = z
  .string()
  .max(128)
  .superRefine((pw, ctx) => {
    for (const message of passwordProblems(pw)) ctx.addIssue({ code: 'custom', message });
  })
  .openapi({ description: 'At least 8 characters with upper case, lower case, a digit and a special character.', example: 'Str0ng!pass' });

export const email = z.email().max(254).openapi({ example: 'rana@example.com' });
export const code = z.string().regex(/^\d{6}$/, 'must be 6 digits').openapi({ example: '123456' });
export { id };

export const registerBody = z.strictObject({ phone, password, role: z.enum(SELF_SERVICE_ROLES) });
export const verifyBody = z.strictObject({ phone, code });
export const resendBody = z.strictObject({ phone, purpose: z.enum(['verify_phone', 'reset_password']).default('verify_phone') });
export const loginBody = z.strictObject({
  identifier: z.union([phone, email]).openapi({ description: 'Phone (E.164) or email.' }),
  password: z.string().min(1).max(128).openapi({ example: 'Str0ng!pass' }),
  cartToken: z.string().max(64).optional().openapi({ example: 'kq3V0m2pX9c8rT1yQe6LzA4bN7dG5hJ0sW2uF8oI3xY', description: "A guest cart's token (or the X-Cart-Token header): a customer's login merges that cart into theirs; the answer's cartMerge says how it went. Other roles' tokens are ignored." }),
});
export const refreshBody = z.strictObject({ refreshToken: z.string().min(20).max(200).openapi({ example: 'TvDj2Oh3Cr1U_E76pRu-UWPoHe6YfsGSb2R57lmeTlA' }) });
export const forgotBody = z.strictObject({ phone });
export const resetBody = z.strictObject({ phone, code, newPassword: password });

const address = z.strictObject({
  label: text(40),
  line1: text(200),
  city: text(100),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
});

/**
 * Every field an owner can set, across roles; fields of another role's profile
 * are refused by the account. Role, status, verification, permissions and
 * balances are not here, and unknown fields are rejected.
 */
export const profileBody = z
  .strictObject({
    email: email.nullable().optional(),
    name: text(100).optional(),
    addresses: z.array(address).max(20).optional(),
    businessName: text(200).optional(),
    legalName: text(200).optional(),
    registrationNumber: text(64).optional(),
    taxId: text(64).optional(),
    vehicleType: z.enum(VEHICLE_TYPES).optional(),
    capacityKg: z.number().positive().max(2_000).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required' })
  .openapi({ example: { name: 'رنا الخطيب', vehicleType: 'motorbike', capacityKg: 20 } });

/** A courier whose documents were approved: the account most routes answer with. */
const ACCOUNT_EXAMPLE = {
  id: EXAMPLE_ID.courier, role: 'courier', phone: '+963933456789', email: 'rana@example.com', status: 'active', phoneVerified: true,
  profile: { name: 'رنا الخطيب', vehicleType: 'motorbike', capacityKg: 20 }, profileComplete: true, adminRole: null, permissions: [],
  verification: { status: 'approved', reason: null, decidedAt: '2026-01-04T10:15:00.000Z' }, suspension: null,
  createdAt: '2026-01-02T09:00:00.000Z', updatedAt: '2026-01-04T10:15:00.000Z',
};

export const accountSchema = z
  .object({
    id: z.string(),
    role: z.enum(ROLES),
    phone: z.string(),
    email: z.string().nullable(),
    status: z.enum(['pending_verification', 'active', 'suspended']),
    phoneVerified: z.boolean(),
    profile: z.record(z.string(), z.unknown()).openapi({ description: 'customer: name, addresses; store_owner: businessName, legalName, registrationNumber, taxId; courier: name, vehicleType, capacityKg; admin: name' }),
    profileComplete: z.boolean(),
    adminRole: z.enum(ADMIN_ROLE_NAMES as [string, ...string[]]).nullable(),
    permissions: z.array(z.string()),
    verification: z.object({ status: z.enum(['not_required', 'not_submitted', 'pending', 'approved', 'rejected']), reason: z.string().nullable(), decidedAt: z.string().nullable() }),
    suspension: z.object({ reason: z.string(), at: z.string() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Account', { example: ACCOUNT_EXAMPLE });

export const tokenPairSchema = z
  .object({
    tokenType: z.literal('Bearer'),
    accessToken: z.string(),
    accessTokenExpiresAt: z.string(),
    refreshToken: z.string(),
    refreshTokenExpiresAt: z.string(),
    sessionId: z.string(),
    account: accountSchema,
  })
  .openapi('TokenPair', {
    example: {
      tokenType: 'Bearer',
      accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiY291cmllciIsInBlcm1zIjpbXSwic2lkIjoiODZlODYzZDUtNzUxNS00NGJlLTllODAtNGUyYjhiMDkzNjQzIiwidHlwIjoiYWNjZXNzIiwiaWF0IjoxNzY4MDMzODAwLCJleHAiOjE3NjgwMzQ3MDAsImF1ZCI6ImRhcmFhLWFwaSIsImlzcyI6ImRhcmFhIiwic3ViIjoiYzYwZGQyOGItOWJlMS00ZTBmLWI1MTItN2Y5ZjhkYjNkMWI5IiwianRpIjoiYTAzZGJhM2MtZjUyMC00NjU5LWIxYjYtNTM3OGEwOGMyMjU3In0.rUEnEGaNH100ZHUIw_n1rDnfWlzfiEj55hTd26-tLOg',
      accessTokenExpiresAt: '2026-01-10T08:45:00.000Z',
      refreshToken: 'TvDj2Oh3Cr1U_E76pRu-UWPoHe6YfsGSb2R57lmeTlA',
      refreshTokenExpiresAt: '2026-02-09T08:30:00.000Z',
      sessionId: EXAMPLE_ID.session,
      account: ACCOUNT_EXAMPLE,
    },
  });

export const receiptSchema = z
  .object({ phone: z.string(), codeExpiresInS: z.number(), resendAfterS: z.number() })
  .openapi('OtpReceipt', { example: { phone: '+963933456789', codeExpiresInS: 300, resendAfterS: 60 } });

export const documentSchema = z
  .object({ id: z.string(), accountId: z.string(), kind: z.enum(DOCUMENT_KINDS), contentType: z.string(), sizeBytes: z.number(), sha256: z.string(), uploadedAt: z.string() })
  .openapi('VerificationDocument', {
    example: {
      id: EXAMPLE_ID.accountDocument, accountId: EXAMPLE_ID.courier, kind: 'driving_license', contentType: 'application/pdf', sizeBytes: 248213,
      sha256: '139d544b821b13ebea14f1b0fe18577222e415c2966e3a3511c4196055232202', uploadedAt: '2026-01-03T16:42:10.000Z',
    },
  });
