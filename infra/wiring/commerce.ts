import type { AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import type { Cradle } from '../container.js';

/** Stores (catalog) and deliveries: repositories, event bus and use cases. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CommerceCradle {}

export function registerCommerce(_container: AwilixContainer<Cradle>): void {}

export function commerceRoutes(_c: Cradle): RouteSpec[] {
  return [];
}
