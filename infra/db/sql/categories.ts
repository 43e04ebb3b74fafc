import { Category, slugTaken } from '../../../domain/catalog/category.js';
import type { CategoryRepository } from '../../../domain/catalog/ports.js';
import type { SqlExecutor } from './client.js';

interface Row {
  id: string;
  parent_id: string | null;
  ancestor_ids: string[];
  slug: string;
  name_ar: string;
  name_en: string;
  rank: number;
  image_url: string | null;
  seo_title: string | null;
  seo_description: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const toCategory = (r: Row): Category =>
  Category.restore({
    id: r.id,
    parentId: r.parent_id,
    ancestorIds: r.ancestor_ids,
    slug: r.slug,
    name: { ar: r.name_ar, en: r.name_en },
    rank: Number(r.rank),
    imageUrl: r.image_url,
    seo: { title: r.seo_title, description: r.seo_description },
    version: Number(r.version),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export class SqlCategoryRepository implements CategoryRepository {
  constructor(private readonly db: SqlExecutor) {}

  async lockTree(): Promise<void> {
    await this.db.query(`update category_tree_lock set version = version + 1 where id = 'tree'`);
  }

  async create(c: Category): Promise<void> {
    const p = c.toProps();
    await this.db
      .query(
        `insert into categories (id, parent_id, ancestor_ids, slug, name_ar, name_en, rank, image_url, seo_title, seo_description, version, created_at, updated_at)
         values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
        [p.id, p.parentId, p.ancestorIds, p.slug, p.name.ar, p.name.en, p.rank, p.imageUrl, p.seo.title, p.seo.description, p.version, p.createdAt, p.updatedAt],
      )
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? slugTaken() : err;
      });
  }

  async findById(id: string): Promise<Category | null> {
    const r = await this.db.query<Row>('select * from categories where id = $1', [id]);
    return r.rows[0] ? toCategory(r.rows[0]) : null;
  }

  async findBySlug(slug: string): Promise<Category | null> {
    const r = await this.db.query<Row>('select * from categories where slug = $1', [slug]);
    return r.rows[0] ? toCategory(r.rows[0]) : null;
  }

  async save(c: Category, expectedVersion: number): Promise<boolean> {
    const p = c.toProps();
    const r = await this.db
      .query(
        `update categories set parent_id = $2, ancestor_ids = $3, slug = $4, name_ar = $5, name_en = $6, rank = $7, image_url = $8, seo_title = $9, seo_description = $10, version = $11, updated_at = $12
         where id = $1 and version = $13`,
        [p.id, p.parentId, p.ancestorIds, p.slug, p.name.ar, p.name.en, p.rank, p.imageUrl, p.seo.title, p.seo.description, p.version, p.updatedAt, expectedVersion],
      )
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? slugTaken() : err;
      });
    return r.rowCount === 1;
  }

  async rewriteSubtreePaths(id: string, pathOfId: readonly string[]): Promise<void> {
    await this.db.query(
      `update categories set ancestor_ids = $2::text[] || ancestor_ids[array_position(ancestor_ids, $1):]
       where $1 = any(ancestor_ids)`,
      [id, [...pathOfId]],
    );
  }

  async children(parentId: string): Promise<Category[]> {
    const r = await this.db.query<Row>('select * from categories where parent_id = $1 order by rank, slug', [parentId]);
    return r.rows.map(toCategory);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.query('delete from categories where id = $1', [id]);
    return r.rowCount === 1;
  }

  async list(): Promise<Category[]> {
    const r = await this.db.query<Row>('select * from categories order by cardinality(ancestor_ids), rank, slug');
    return r.rows.map(toCategory);
  }
}
