/** The city seed's shared shapes: its options, the context its steps share, and a step. */
import type { Cradle } from '../infra/container.js';
import type { Account } from '../domain/identity/model.js';
import type { IdGenerator } from '../domain/shared/ids.js';
import type { StoreView } from '../domain/catalog/model.js';
import type { ProductView } from '../domain/catalog/product.js';

export interface CityOptions {
  stores: number;
  customers: number;
  seed: number;
  /** Products per store (default DEFAULT_PRODUCTS_PER_STORE). */
  products?: number;
}

/** One bar per step; the CLI draws it with cli-progress, tests count. */
export type Progress = (step: string, total: number) => { tick(): void; done(): void };
export const noProgress: Progress = () => ({ tick: () => undefined, done: () => undefined });

export interface CityContext {
  c: Cradle;
  opts: CityOptions;
  /** The generator of the running step. */
  rand: () => number;
  /** Ids drawn from the step's generator. */
  ids: IdGenerator;
  progress: { tick(): void };
  passwordHash: string;
  verifierId: string;
  owners: Account[];
  stores: StoreView[];
  customers: Account[];
  /** Leaf category slug → id, from the categories step. */
  leafIds: Map<string, string>;
  products: ProductView[];
}

export interface CitySeedStep {
  name: string;
  /** How many units the bar counts. */
  total(ctx: CityContext): number;
  /** Returns a one-line summary. */
  run(ctx: CityContext): Promise<string>;
}

