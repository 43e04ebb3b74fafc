import { Schema, type Connection, type Model } from 'mongoose';
import { Category, slugTaken, type CategoryProps } from '../../../domain/catalog/category.js';
import type { CategoryRepository } from '../../../domain/catalog/ports.js';
import { str } from './guard.js';

type Doc = Omit<CategoryProps, 'id' | 'createdAt' | 'updatedAt'> & { _id: string; depth: number; createdAt: Date; updatedAt: Date };

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    parentId: { type: String, default: null },
    ancestorIds: { type: [String], required: true },
    depth: { type: Number, required: true },
    slug: { type: String, required: true },
    name: { ar: { type: String, required: true }, en: { type: String, required: true } },
    rank: { type: Number, required: true },
    imageUrl: { type: String, default: null },
    seo: { title: { type: String, default: null }, description: { type: String, default: null } },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'categories', versionKey: false, minimize: false },
);
type LockDoc = { _id: string; version: number };
const lockSchema = new Schema<LockDoc>({ _id: { type: String, required: true }, version: { type: Number, required: true } }, { collection: 'category_tree_lock', versionKey: false });

export const categoryModel = (conn: Connection): Model<Doc> => (conn.models.Category as Model<Doc> | undefined) ?? conn.model<Doc>('Category', schema);
const lockModel = (conn: Connection): Model<LockDoc> => (conn.models.CategoryTreeLock as Model<LockDoc> | undefined) ?? conn.model<LockDoc>('CategoryTreeLock', lockSchema);

const toCategory = (d: Doc): Category =>
  Category.restore({
    id: d._id,
    parentId: d.parentId ?? null,
    ancestorIds: [...d.ancestorIds],
    slug: d.slug,
    name: { ar: d.name.ar, en: d.name.en },
    rank: d.rank,
    imageUrl: d.imageUrl ?? null,
    seo: { title: d.seo?.title ?? null, description: d.seo?.description ?? null },
    version: d.version,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  });

const toDoc = (p: CategoryProps): Doc => {
  const { id, createdAt, updatedAt, ...rest } = p;
  return { ...rest, _id: id, depth: p.ancestorIds.length, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};
const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

export class MongoCategoryRepository implements CategoryRepository {
  private readonly model: Model<Doc>;
  private readonly lock: Model<LockDoc>;
  constructor(conn: Connection) {
    this.model = categoryModel(conn);
    this.lock = lockModel(conn);
  }

  /** Writing the one lock document inside the transaction makes a concurrent tree change conflict and retry. */
  async lockTree(): Promise<void> {
    await this.lock.updateOne({ _id: 'tree' }, { $inc: { version: 1 } }, { upsert: true }).exec();
  }

  async create(c: Category): Promise<void> {
    await this.model.create(toDoc(c.toProps())).catch((err: unknown) => {
      throw isDuplicate(err) ? slugTaken() : err;
    });
  }

  async findById(id: string): Promise<Category | null> {
    const d = await this.model.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toCategory(d) : null;
  }

  async findBySlug(slug: string): Promise<Category | null> {
    const d = await this.model.findOne({ slug: str(slug, 'slug') }).lean<Doc>().exec();
    return d ? toCategory(d) : null;
  }

  async save(c: Category, expectedVersion: number): Promise<boolean> {
    const { _id, createdAt: _c, ...changes } = toDoc(c.toProps());
    const r = await this.model.updateOne({ _id: str(_id, 'id'), version: expectedVersion }, { $set: changes }).exec().catch((err: unknown) => {
      throw isDuplicate(err) ? slugTaken() : err;
    });
    return r.matchedCount === 1;
  }

  async rewriteSubtreePaths(id: string, pathOfId: readonly string[]): Promise<void> {
    const below = await this.model.find({ ancestorIds: str(id, 'id') }, { ancestorIds: 1 }).lean<Pick<Doc, '_id' | 'ancestorIds'>[]>().exec();
    if (below.length === 0) return;
    await this.model.bulkWrite(
      below.map((d) => {
        const ancestorIds = [...pathOfId, ...d.ancestorIds.slice(d.ancestorIds.indexOf(id))];
        return { updateOne: { filter: { _id: d._id }, update: { $set: { ancestorIds, depth: ancestorIds.length } } } };
      }),
    );
  }

  async children(parentId: string): Promise<Category[]> {
    const docs = await this.model.find({ parentId: str(parentId, 'parentId') }).sort({ rank: 1, slug: 1 }).lean<Doc[]>().exec();
    return docs.map(toCategory);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.model.deleteOne({ _id: str(id, 'id') }).exec();
    return r.deletedCount === 1;
  }

  async list(): Promise<Category[]> {
    const docs = await this.model.find({}).sort({ depth: 1, rank: 1, slug: 1 }).lean<Doc[]>().exec();
    return docs.map(toCategory);
  }
}
