import { notFound } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import { documentView, type DocumentKind, type DocumentView } from '../model.js';
import type { AccountRepository, DocumentRepository, DocumentStorage } from '../ports.js';

export interface SubmitDocumentDeps {
  accounts: AccountRepository;
  documents: DocumentRepository;
  documentStorage: DocumentStorage;
  clock: Clock;
  ids: IdGenerator;
}

/** A store owner or courier uploads a verification document; the account goes to `pending` review. */
export class SubmitDocument {
  constructor(private readonly deps: SubmitDocumentDeps) {}

  async execute(principal: Principal, accountId: string, input: { kind: DocumentKind; contentType: string; bytes: Buffer }): Promise<DocumentView> {
    const account = canAccess(principal, accountId) ? await this.deps.accounts.findById(accountId) : null;
    if (!account) throw notFound('Account');
    const now = this.deps.clock.now();
    account.submitDocuments(now);
    const stored = await this.deps.documentStorage.put(account.id, input.bytes, input.contentType);
    const doc = { id: this.deps.ids.next(), accountId: account.id, kind: input.kind, contentType: input.contentType, sizeBytes: stored.sizeBytes, sha256: stored.sha256, storageKey: stored.key, uploadedAt: now };
    await this.deps.documents.add(doc);
    await this.deps.accounts.save(account);
    return documentView(doc);
  }
}
