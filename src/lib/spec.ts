/**
 * A model's definition, stored as `.forge/models/<Name>.json`: the source of truth from which the model file,
 * its migrations and (forge:crud) its schemas, router and tests are rendered. Nothing re-parses Python.
 */
import type { FieldSpec } from './fields.js';
import { singularize } from './names.js';

export const SPEC_DIR = '.forge/models';

/** A one-to-many (or one-to-one) attribute on this model, the other side of another model's `ref` (`one`). */
export interface BackRef {
  /** Attribute on this model, e.g. `posts`. */
  name: string;
  /** The model that holds the reference, e.g. `Post`. */
  model: string;
  /** Its relationship attribute, e.g. `author`. */
  relation: string;
  /** The reference is one-to-one (`one=`): this attribute holds one object or None, not a list. */
  one?: boolean;
  /** The other side of a many-to-many link: its association table. */
  link?: string;
}

/** A many-to-many relationship (`tags:many=Tag`) held by this model, through an association table. */
export interface Link {
  /** Attribute on this model, e.g. `tags`. */
  name: string;
  /** The linked model, e.g. `Tag`. */
  model: string;
  /** The association table, e.g. `post_tags`, with the columns `post_id` and `tag_id`. */
  table: string;
  /** A link from a model to itself: the linked row's column, named after the link (`related_id`). */
  column?: string;
}

/** The attribute holding the ids of a link's rows, in the model and the API: `tag_ids` for `tags`. */
export const linkIds = (link: Pick<Link, 'name'>): string => `${singularize(link.name)}_ids`;

export interface ModelSpec {
  name: string;
  table: string;
  /** Python module in app/models/, e.g. `blog_post`. */
  module: string;
  timestamps: boolean;
  fields: FieldSpec[];
  backrefs: BackRef[];
  /** Many-to-many relationships this model holds (absent when none). */
  links?: Link[];
  /** An authentication model written by forge:database (users, refresh tokens): forge:model may not change it. */
  builtin?: boolean;
  /** What a row is, for the model's docstring (e.g. "accounts that can authenticate"). */
  doc?: string;
}

export const specPath = (name: string): string => `${SPEC_DIR}/${name}.json`;
