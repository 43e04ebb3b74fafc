/** One pagination shape for every list, REST and repository alike. */
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;

export interface PageRequest {
  page: number;
  limit: number;
}

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

export interface Page<T> {
  items: T[];
  pagination: Pagination;
}

/** Clamp a requested page into range: page ≥ 1, 1 ≤ limit ≤ 100. */
export function pageRequest(page?: number, limit?: number): PageRequest {
  const p = Number.isInteger(page) && (page as number) > 0 ? (page as number) : 1;
  const l = Number.isInteger(limit) && (limit as number) > 0 ? Math.min(limit as number, MAX_PAGE_LIMIT) : DEFAULT_PAGE_LIMIT;
  return { page: p, limit: l };
}

export const offsetOf = (req: PageRequest): number => (req.page - 1) * req.limit;

export function toPage<T>(items: T[], total: number, req: PageRequest): Page<T> {
  return {
    items,
    pagination: { page: req.page, limit: req.limit, total, totalPages: total === 0 ? 0 : Math.ceil(total / req.limit) },
  };
}
