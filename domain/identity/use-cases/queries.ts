import { notFound } from '../../shared/errors.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import { documentView, type AccountFilter, type AccountView, type DocumentView } from '../model.js';
import type { AccountRepository, DocumentRepository, DocumentStorage } from '../ports.js';

/** Read side of identity. Foreign accounts and documents answer 404 unless an admin permission allows. */
export class IdentityQueries {
  constructor(private readonly deps: { accounts: AccountRepository; documents: DocumentRepository; documentStorage: DocumentStorage }) {}

  async me(principal: Principal): Promise<AccountView> {
    return this.account(principal, principal.accountId);
  }

  async account(principal: Principal, id: string): Promise<AccountView> {
    const account = canAccess(principal, id, 'accounts:read') ? await this.deps.accounts.findById(id) : null;
    if (!account) throw notFound('Account');
    return account.toView();
  }

  async search(filter: AccountFilter, page: PageRequest): Promise<Page<AccountView>> {
    const r = await this.deps.accounts.search(filter, page);
    return { items: r.items.map((a) => a.toView()), pagination: r.pagination };
  }

  async documents(principal: Principal, accountId: string): Promise<DocumentView[]> {
    if (!canAccess(principal, accountId, 'verification:decide') || !(await this.deps.accounts.findById(accountId))) throw notFound('Account');
    return (await this.deps.documents.listByAccount(accountId)).map(documentView);
  }

  async document(principal: Principal, accountId: string, documentId: string): Promise<DocumentView & { contentBase64: string }> {
    const doc = canAccess(principal, accountId, 'verification:decide') ? await this.deps.documents.findById(documentId) : null;
    if (!doc || doc.accountId !== accountId) throw notFound('Document');
    const bytes = await this.deps.documentStorage.get(doc.storageKey);
    return { ...documentView(doc), contentBase64: bytes.toString('base64') };
  }
}
