import type { SettingsReader } from '../../platform/ports.js';
import type { Clock } from '../../shared/ids.js';
import { AppError } from '../../shared/errors.js';
import { DEFAULT_FLAGS, OWNER_KINDS, assertTransferId, type Account, type AccountFlags, type OwnerKind } from '../model.js';
import type { LedgerRepository } from '../ports.js';

export interface OpenAccountInput {
  ownerKind: OwnerKind;
  ownerId: string;
  /** Chosen by the caller; defaults to `<ownerKind>:<ownerId>`, one account per owner. */
  id?: string;
  /** Defaults to the owner kind's flags (DEFAULT_FLAGS). */
  flags?: AccountFlags;
}

/**
 * Opens an owner's account in the marketplace currency (the `currency` setting), or answers
 * the one already open: opening is idempotent, so every money flow may call it first.
 */
export class OpenAccount {
  constructor(private readonly deps: { ledger: LedgerRepository; liveSettings: SettingsReader; clock: Clock }) {}

  async execute(input: OpenAccountInput): Promise<Account> {
    if (!OWNER_KINDS.includes(input.ownerKind)) throw new AppError('VALIDATION_ERROR', `ownerKind must be one of ${OWNER_KINDS.join(', ')}`, { details: [{ field: 'ownerKind', message: 'unknown owner kind' }] });
    assertTransferId(input.ownerId, 'ownerId');
    const id = input.id ?? accountIdFor(input.ownerKind, input.ownerId);
    assertTransferId(id, 'id');
    const flags = input.flags ?? DEFAULT_FLAGS[input.ownerKind];
    if (flags.debitsMustNotExceedCredits && flags.creditsMustNotExceedDebits) {
      throw new AppError('VALIDATION_ERROR', 'an account takes at most one of the two balance flags', { details: [{ field: 'flags', message: 'both flags set' }] });
    }
    const { account } = await this.deps.ledger.openAccount({
      id, currency: this.deps.liveSettings.get('currency'), ownerKind: input.ownerKind, ownerId: input.ownerId, flags: { ...flags },
      debitsPending: 0, debitsPosted: 0, creditsPending: 0, creditsPosted: 0, createdAt: this.deps.clock.now().toISOString(),
    });
    return account;
  }
}

/** The default account id of an owner: readable in statements and stable across retries. */
export const accountIdFor = (ownerKind: OwnerKind, ownerId: string): string => `${ownerKind}:${ownerId}`.slice(0, 128);
