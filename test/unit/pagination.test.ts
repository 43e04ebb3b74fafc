import { expect } from 'chai';
import { pageRequest, toPage, offsetOf, MAX_PAGE_LIMIT } from '../../domain/shared/pagination.js';

describe('pagination', () => {
  it('when limit exceeds the cap, then it is clamped to 100', () => {
    expect(pageRequest(1, 1000).limit).to.equal(MAX_PAGE_LIMIT);
  });
  it('when page or limit are missing or invalid, then defaults apply', () => {
    expect(pageRequest(undefined, undefined)).to.deep.equal({ page: 1, limit: 20 });
    expect(pageRequest(-3, 0)).to.deep.equal({ page: 1, limit: 20 });
  });
  it('when 45 items are paged by 20, then there are 3 pages and page 3 starts at 40', () => {
    const req = pageRequest(3, 20);
    expect(offsetOf(req)).to.equal(40);
    expect(toPage([], 45, req).pagination).to.deep.equal({ page: 3, limit: 20, total: 45, totalPages: 3 });
  });
  it('when there are no items, then totalPages is 0', () => {
    expect(toPage([], 0, pageRequest(1, 10)).pagination.totalPages).to.equal(0);
  });
});
