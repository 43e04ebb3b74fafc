import { asClass, asFunction, asValue, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { RouteSpec, UploadSpec } from '../../api/route-kit.js';
import { categoryRoutes, type CategoryRouteDeps } from '../../api/routes/categories.js';
import { productRoutes, type ProductRouteDeps } from '../../api/routes/products.js';
import { inventoryRoutes, type InventoryRouteDeps } from '../../api/routes/inventory.js';
import { searchRoutes, type SearchRouteDeps } from '../../api/routes/search.js';
import type { ProductSearch } from '../../domain/catalog/search.js';
import { SearchProducts } from '../../domain/catalog/use-cases/search-products.js';
import type { CategoryRepository, ImageProcessor, InventoryRepository, ProductRepository } from '../../domain/catalog/ports.js';
import { ManageCategories } from '../../domain/catalog/use-cases/manage-categories.js';
import { ManageProducts } from '../../domain/catalog/use-cases/manage-products.js';
import { AddProductImage } from '../../domain/catalog/use-cases/add-product-image.js';
import { CatalogQueries } from '../../domain/catalog/use-cases/catalog-queries.js';
import { RecordStockMovement } from '../../domain/catalog/use-cases/record-stock-movement.js';
import { ConfigureStock } from '../../domain/catalog/use-cases/configure-stock.js';
import { ReserveStock } from '../../domain/catalog/use-cases/reserve-stock.js';
import { CloseReservation } from '../../domain/catalog/use-cases/close-reservation.js';
import { ExpireReservations } from '../../domain/catalog/use-cases/expire-reservations.js';
import { stockReservationProcessor, STOCK_RESERVATION_SWEEP_MS } from '../../workers/processors/stock-reservations.js';
import { QUEUES } from '../../workers/queues.js';
import { SharpImageProcessor } from '../images/sharp.js';
import type { Repositories } from '../db/index.js';
import type { Queues } from '../queues.js';

/** Uploaded pictures (product pictures, store logos): any declared image type (the bytes decide), at most 8 MiB. */
export const IMAGE_UPLOAD: UploadSpec = {
  contentTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic', 'application/octet-stream'],
  maxBytes: 8 * 1024 * 1024,
};

/** Categories, products and inventory: repositories, use cases (the Orders checkout takes reserveStock and closeReservation). */
export interface CatalogProductsCradle extends CategoryRouteDeps, ProductRouteDeps, InventoryRouteDeps, SearchRouteDeps {
  productSearch: ProductSearch;
  categories: CategoryRepository;
  products: ProductRepository;
  inventory: InventoryRepository;
  imageProcessor: ImageProcessor;
  reserveStock: ReserveStock;
  closeReservation: CloseReservation;
  expireReservations: ExpireReservations;
}

interface Needs {
  repositories: Repositories;
  queues: Queues;
  logger: Logger;
}

export function registerCatalogProducts(container: AwilixContainer<CatalogProductsCradle & Needs>): void {
  container.register({
    categories: asFunction(({ repositories }: Needs) => repositories.categories).singleton(),
    products: asFunction(({ repositories }: Needs) => repositories.products).singleton(),
    inventory: asFunction(({ repositories }: Needs) => repositories.inventory).singleton(),
    productSearch: asFunction(({ repositories }: Needs) => repositories.productSearch).singleton(),
    searchProducts: asClass(SearchProducts).singleton(),
    imageProcessor: asFunction(() => new SharpImageProcessor()).singleton(),
    productImageUpload: asValue(IMAGE_UPLOAD),
    manageCategories: asClass(ManageCategories).singleton(),
    manageProducts: asClass(ManageProducts).singleton(),
    addProductImage: asClass(AddProductImage).singleton(),
    catalogQueries: asClass(CatalogQueries).singleton(),
    recordStockMovement: asClass(RecordStockMovement).singleton(),
    configureStock: asClass(ConfigureStock).singleton(),
    reserveStock: asClass(ReserveStock).singleton(),
    closeReservation: asClass(CloseReservation).singleton(),
    expireReservations: asClass(ExpireReservations).singleton(),
  });
}

export function catalogProductRoutes(c: CatalogProductsCradle): RouteSpec[] {
  // Search first: /api/v1/products/search must not be read as the product with id "search".
  return [...searchRoutes(c), ...categoryRoutes(c), ...productRoutes(c), ...inventoryRoutes(c)];
}

/** The worker role's part: the repeatable release of expired reservations. */
export function startCatalogWorkers(c: CatalogProductsCradle & Needs): void {
  c.queues.work(QUEUES.stockReservations, stockReservationProcessor(c), 1);
  void c.queues
    .repeat(QUEUES.stockReservations, 'stock-reservations:expire', STOCK_RESERVATION_SWEEP_MS, { task: 'expire' })
    .catch((err: unknown) => c.logger.warn({ err }, 'could not schedule the reservation release; retried at next start'));
}
