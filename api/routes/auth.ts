import { z } from '../zod.js';
import { ROLES } from '../../domain/shared/principal.js';
import type { RegisterAccount } from '../../domain/identity/use-cases/register-account.js';
import type { VerifyPhone } from '../../domain/identity/use-cases/verify-phone.js';
import type { ResendOtp } from '../../domain/identity/use-cases/resend-otp.js';
import type { LogIn } from '../../domain/identity/use-cases/log-in.js';
import type { RefreshSession } from '../../domain/identity/use-cases/refresh-session.js';
import type { LogOut } from '../../domain/identity/use-cases/log-out.js';
import type { ForgotPassword } from '../../domain/identity/use-cases/forgot-password.js';
import type { ResetPassword } from '../../domain/identity/use-cases/reset-password.js';
import type { IdentityQueries } from '../../domain/identity/use-cases/queries.js';
import type { MergeCarts } from '../../domain/ordering/use-cases/merge-carts.js';
import { loginMergeSchema } from './cart-schemas.js';
import { defineRoute, PUBLIC, roles, type RouteSpec } from '../route-kit.js';
import { accountSchema, forgotBody, loginBody, receiptSchema, refreshBody, registerBody, resendBody, resetBody, tokenPairSchema, verifyBody } from './identity-schemas.js';

export interface AuthRouteDeps {
  registerAccount: RegisterAccount;
  verifyPhone: VerifyPhone;
  resendOtp: ResendOtp;
  logIn: LogIn;
  refreshSession: RefreshSession;
  logOut: LogOut;
  forgotPassword: ForgotPassword;
  resetPassword: ResetPassword;
  identityQueries: IdentityQueries;
  /** A customer's login merges the guest cart whose token it carries. */
  mergeCarts: MergeCarts;
}

/** /api/v1/auth: registration, OTP, sessions and password reset. */
export function authRoutes(d: AuthRouteDeps): RouteSpec[] {
  const tags = ['auth'];
  return [
    defineRoute({
      method: 'post', path: '/api/v1/auth/register', tags, access: PUBLIC, rateLimit: 'strict', status: 202,
      summary: 'Register with phone, password and role (customer, store_owner or courier); a code is sent by SMS',
      message: 'If this number can be registered, a code was sent to it',
      body: registerBody, response: receiptSchema,
      handler: ({ body }) => d.registerAccount.execute(body),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/otp/verify', tags, access: PUBLIC, rateLimit: 'strict',
      summary: 'Verify the phone with the 6-digit code (5 minutes, 5 attempts, single use)',
      body: verifyBody, response: z.object({ verified: z.literal(true) }), errors: ['UNPROCESSABLE_ENTITY'],
      handler: ({ body }) => d.verifyPhone.execute(body),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/otp/resend', tags, access: PUBLIC, rateLimit: 'strict', status: 202,
      summary: 'Send a fresh code (60 s cooldown per phone); the previous code dies',
      message: 'If a code is due for this number, it was sent',
      body: resendBody, response: receiptSchema,
      handler: ({ body }) => d.resendOtp.execute(body),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/login', tags, access: PUBLIC, rateLimit: 'strict',
      summary: "Log in by phone or email; 5 failures in 15 minutes lock the account for 15 minutes. A customer sending a guest cart's token (cartToken or X-Cart-Token) gets that cart merged into theirs",
      body: loginBody, response: tokenPairSchema.extend({ cartMerge: loginMergeSchema.optional() }), errors: ['UNAUTHORIZED', 'FORBIDDEN'],
      handler: async ({ body, origin, ctx }) => {
        const { cartToken, ...credentials } = body;
        const pair = await d.logIn.execute(credentials, origin);
        const token = cartToken ?? (ctx.get('x-cart-token') || undefined);
        const cartMerge = token ? await d.mergeCarts.atLogin(pair.account, token) : null;
        return cartMerge ? { ...pair, cartMerge } : pair;
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/refresh', tags, access: PUBLIC,
      summary: 'Rotate a refresh token; reusing a rotated one revokes the whole session',
      body: refreshBody, response: tokenPairSchema, errors: ['INVALID_TOKEN'],
      handler: ({ body, origin }) => d.refreshSession.execute(body, origin),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/logout', tags, access: roles(...ROLES),
      summary: 'Revoke the current session (its refresh tokens and access tokens)',
      response: z.object({ loggedOut: z.literal(true) }),
      handler: ({ auth }) => d.logOut.execute(auth),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/auth/me', tags, access: roles(...ROLES),
      summary: 'The calling account', response: accountSchema, errors: ['NOT_FOUND'],
      handler: ({ auth }) => d.identityQueries.me(auth),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/password/forgot', tags, access: PUBLIC, rateLimit: 'strict', status: 202,
      summary: 'Send a password reset code by SMS (same answer whether or not the phone has an account)',
      message: 'If this number has an account, a code was sent to it',
      body: forgotBody, response: receiptSchema,
      handler: ({ body }) => d.forgotPassword.execute(body),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/password/reset', tags, access: PUBLIC, rateLimit: 'strict',
      summary: 'Set a new password with the reset code; every session of the account is revoked',
      body: resetBody, response: z.object({ reset: z.literal(true) }), errors: ['UNPROCESSABLE_ENTITY'],
      handler: ({ body, origin }) => d.resetPassword.execute(body, origin),
    }),
  ];
}
