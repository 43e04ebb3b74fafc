import { conflict, notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { auditEntryEvent } from '../../platform/events.js';
import type { StoreView } from '../model.js';
import type { StoreRepository } from '../ports.js';
import type { VerificationDecision } from '../store-verification.js';
import { verificationDecidedEvent } from '../store-events.js';

const ATTEMPTS = 5;

export interface StoreDecisionInput {
  decision: VerificationDecision;
  reason?: string | null | undefined;
}

/**
 * A verifier (admin permission `verification:decide`, checked by the route)
 * approves or rejects a pending store with a reason. The store, its
 * `catalog.store.verification_decided` event and the audit entry commit
 * together; repeating the decision answers the store unchanged.
 */
export class DecideStoreVerification {
  constructor(private readonly deps: { stores: StoreRepository; outbox: Outbox; unitOfWork: UnitOfWork; clock: Clock; ids: IdGenerator }) {}

  async execute(admin: Principal, storeId: string, input: StoreDecisionInput, origin: { ip?: string | null; userAgent?: string | null; requestId?: string | null } = {}): Promise<StoreView> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const store = await this.deps.stores.findById(storeId);
      if (!store) throw notFound('Store');
      const read = store.version;
      const now = this.deps.clock.now();
      if (!store.decideVerification(input.decision, input.reason ?? null, admin.accountId, now)) return store.toView();
      const audit = auditEntryEvent({
        id: this.deps.ids.next(),
        actor: { id: admin.accountId, role: admin.role },
        action: `store.verification_${input.decision === 'approve' ? 'approved' : 'rejected'}`,
        resource: { type: 'store', id: store.id },
        origin,
        metadata: { reason: store.verification.reason, ownerId: store.ownerId },
      }, now);
      const saved = await this.deps.unitOfWork.transaction(async () => {
        if (!(await this.deps.stores.save(store, read))) return false;
        await this.deps.outbox.add([verificationDecidedEvent(store, now), audit]);
        return true;
      });
      if (saved) return store.toView();
    }
    throw conflict('The store kept changing; try again');
  }
}
