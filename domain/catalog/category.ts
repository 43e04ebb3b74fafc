import { AppError, validationError } from '../shared/errors.js';
import { charCount } from '../shared/text.js';

/** A name in both marketplace languages. */
export interface LocalizedText {
  ar: string;
  en: string;
}

export interface CategoryProps {
  id: string;
  parentId: string | null;
  /** Root first; kept on every node so "this category and its descendants" is one indexed match. */
  ancestorIds: string[];
  slug: string;
  name: LocalizedText;
  /** Order among siblings, lowest first. */
  rank: number;
  imageUrl: string | null;
  seo: { title: string | null; description: string | null };
  version: number;
  createdAt: string;
  updatedAt: string;
}
export type CategoryView = CategoryProps;

export interface CategoryInput {
  slug: string;
  name: LocalizedText;
  rank?: number;
  imageUrl?: string | null;
  seo?: { title?: string | null; description?: string | null };
}
export type CategoryPatch = Partial<CategoryInput>;

/** Lowercase words joined by single dashes, as URLs carry them. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_CATEGORY_DEPTH = 16;

const text = (v: unknown, field: string, max: number): string => {
  const s = typeof v === 'string' ? v.trim() : '';
  if (!s || charCount(s) > max) throw validationError(`${field} must be 1 to ${max} characters`, [{ field, message: `must be 1 to ${max} characters` }]);
  return s;
};
const optionalText = (v: string | null | undefined, field: string, max: number): string | null => (v === null || v === undefined || v.trim() === '' ? null : text(v, field, max));
export const localized = (v: LocalizedText, field: string, max: number): LocalizedText => ({ ar: text(v?.ar, `${field}.ar`, max), en: text(v?.en, `${field}.en`, max) });
const slugOf = (v: string): string => {
  if (typeof v !== 'string' || v.length > 120 || !SLUG.test(v)) throw validationError('slug must be lowercase letters, digits and single dashes', [{ field: 'slug', message: 'must look like fresh-bread' }]);
  return v;
};
const rankOf = (v: number | undefined): number => {
  if (v === undefined) return 0;
  if (!Number.isInteger(v) || Math.abs(v) > 1_000_000) throw validationError('rank must be an integer', [{ field: 'rank', message: 'must be an integer between -1000000 and 1000000' }]);
  return v;
};
const urlOf = (v: string | null | undefined): string | null => {
  if (v === null || v === undefined) return null;
  if (!/^(https:\/\/|\/)[^\s]{1,2000}$/.test(v)) throw validationError('imageUrl must be an https URL or a path', [{ field: 'imageUrl', message: 'must be an https URL or a path on this server' }]);
  return v;
};

/** Moving a node under itself or under one of its descendants would make the tree a cycle. */
export const categoryCycle = (id: string, parentId: string): AppError =>
  new AppError('CATEGORY_CYCLE', 'A category cannot move under itself or one of its descendants', { details: [{ field: 'parentId', reason: 'cycle', message: `${parentId} is ${id} or lies below it` }] });

export const slugTaken = (): AppError =>
  new AppError('CONFLICT', 'This slug is already used by another category', { details: [{ field: 'slug', reason: 'duplicate_slug', message: 'is already used' }] });

/** A node of the marketplace's one category tree (admins manage it). */
export class Category {
  private constructor(private props: CategoryProps) {}

  static create(input: CategoryInput & { id: string; parent: Category | null; at: Date }): Category {
    const at = input.at.toISOString();
    const c = new Category({
      id: input.id,
      parentId: null,
      ancestorIds: [],
      slug: slugOf(input.slug),
      name: localized(input.name, 'name', 120),
      rank: rankOf(input.rank),
      imageUrl: urlOf(input.imageUrl),
      seo: { title: optionalText(input.seo?.title, 'seo.title', 70), description: optionalText(input.seo?.description, 'seo.description', 320) },
      version: 1,
      createdAt: at,
      updatedAt: at,
    });
    c.placeUnder(input.parent);
    return c;
  }

  static restore(props: CategoryProps): Category {
    return new Category({ ...props, ancestorIds: [...props.ancestorIds], seo: { ...props.seo }, name: { ...props.name } });
  }

  get id(): string {
    return this.props.id;
  }
  get parentId(): string | null {
    return this.props.parentId;
  }
  get ancestorIds(): readonly string[] {
    return this.props.ancestorIds;
  }
  get version(): number {
    return this.props.version;
  }

  /** The path a child of this node carries. */
  pathForChildren(): string[] {
    return [...this.props.ancestorIds, this.props.id];
  }

  /** Applies field changes; false when nothing changed. */
  update(patch: CategoryPatch, at: Date): boolean {
    const next = { ...this.props, seo: { ...this.props.seo } };
    if (patch.slug !== undefined) next.slug = slugOf(patch.slug);
    if (patch.name !== undefined) next.name = localized(patch.name, 'name', 120);
    if (patch.rank !== undefined) next.rank = rankOf(patch.rank);
    if (patch.imageUrl !== undefined) next.imageUrl = urlOf(patch.imageUrl);
    if (patch.seo?.title !== undefined) next.seo.title = optionalText(patch.seo.title, 'seo.title', 70);
    if (patch.seo?.description !== undefined) next.seo.description = optionalText(patch.seo.description, 'seo.description', 320);
    if (JSON.stringify(next) === JSON.stringify(this.props)) return false;
    this.props = { ...next, version: this.props.version + 1, updatedAt: at.toISOString() };
    return true;
  }

  /**
   * Moves this node under `parent` (null: to the root). The parent's path is
   * read inside the tree lock, so a concurrent move cannot slip a cycle past this check.
   */
  moveUnder(parent: Category | null, at: Date): boolean {
    if ((parent?.id ?? null) === this.props.parentId) return false;
    this.placeUnder(parent);
    this.props = { ...this.props, version: this.props.version + 1, updatedAt: at.toISOString() };
    return true;
  }

  private placeUnder(parent: Category | null): void {
    if (parent && (parent.id === this.props.id || parent.ancestorIds.includes(this.props.id))) throw categoryCycle(this.props.id, parent.id);
    const path = parent ? parent.pathForChildren() : [];
    if (path.length >= MAX_CATEGORY_DEPTH) throw validationError(`The tree is at most ${MAX_CATEGORY_DEPTH} levels deep`, [{ field: 'parentId', message: 'too deep' }]);
    this.props.parentId = parent?.id ?? null;
    this.props.ancestorIds = path;
  }

  toProps(): CategoryProps {
    return { ...this.props, ancestorIds: [...this.props.ancestorIds], seo: { ...this.props.seo }, name: { ...this.props.name } };
  }
  toView(): CategoryView {
    return this.toProps();
  }
}
