import { AppError, validationError } from '../shared/errors.js';
import { charCount } from '../shared/text.js';

/**
 * Store verification follows the account verification of store owners and
 * couriers (domain/identity): documents go up, the store waits in `pending`,
 * an admin holding `verification:decide` approves or rejects it with a reason.
 * It is per store because one owner may run several shops, each licensed apart.
 */
export const STORE_VERIFICATION_STATUSES = ['not_submitted', 'pending', 'approved', 'rejected'] as const;
export type StoreVerificationStatus = (typeof STORE_VERIFICATION_STATUSES)[number];
/** The verifiers' queue: stores waiting for a decision, read oldest submission first. */
export const AWAITING_VERIFICATION = 'pending' as const satisfies StoreVerificationStatus;

export const STORE_DOCUMENT_KINDS = ['business_license', 'tax_certificate', 'health_permit', 'lease', 'id_card'] as const;
export type StoreDocumentKind = (typeof STORE_DOCUMENT_KINDS)[number];

/** A store keeps at most this many documents: the queue shows them all to the verifier. */
export const MAX_STORE_DOCUMENTS = 10;

export interface StoreDocument {
  id: string;
  kind: StoreDocumentKind;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  uploadedAt: string;
}

export interface StoreVerification {
  status: StoreVerificationStatus;
  /** When the store last went to `pending`: the queue is oldest first. */
  submittedAt: string | null;
  reason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  documents: StoreDocument[];
}

export type VerificationDecision = 'approve' | 'reject';

export const unverified = (): StoreVerification => ({ status: 'not_submitted', submittedAt: null, reason: null, decidedBy: null, decidedAt: null, documents: [] });

/** Adds a document; an unapproved store goes (back) to `pending`. An approved store stays approved. */
export function withDocument(v: StoreVerification, doc: StoreDocument): StoreVerification {
  if (v.documents.length >= MAX_STORE_DOCUMENTS) {
    throw new AppError('UNPROCESSABLE_ENTITY', `A store keeps at most ${MAX_STORE_DOCUMENTS} documents`, { details: [{ field: 'body', reason: 'too_many_documents', message: `at most ${MAX_STORE_DOCUMENTS}` }] });
  }
  const documents = [...v.documents, doc];
  if (v.status === 'approved') return { ...v, documents };
  if (v.status === 'pending') return { ...v, documents };
  return { status: 'pending', submittedAt: doc.uploadedAt, reason: null, decidedBy: null, decidedAt: null, documents };
}

/**
 * The admin's decision on a pending store. Repeating the decision already
 * made is a no-op (null: nothing changed), so a retried request is safe; a
 * different decision on a decided store, or a decision with nothing pending, is CONFLICT.
 */
export function decided(v: StoreVerification, decision: VerificationDecision, reason: string | null, by: string, at: Date): StoreVerification | null {
  const status = decision === 'approve' ? 'approved' : 'rejected';
  const why = reason?.trim() ? reason.trim() : null;
  if (why && charCount(why) > 500) throw validationError('reason must be at most 500 characters', [{ field: 'body.reason', message: 'at most 500 characters' }]);
  if (v.status === status && v.reason === why) return null;
  if (v.status !== 'pending') {
    throw new AppError('CONFLICT', 'No verification is pending for this store', { details: [{ reason: 'not_pending', message: `the store is ${v.status}`, status: v.status }] });
  }
  if (decision === 'reject' && !why) throw validationError('A rejection needs a reason', [{ field: 'body.reason', message: 'required when rejecting' }]);
  return { ...v, status, reason: why, decidedBy: by, decidedAt: at.toISOString() };
}
