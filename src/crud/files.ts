/**
 * What forge:crud writes for one model: the CRUD class, the schemas, the router and (unless --skip-tests) the
 * API tests, each rendered from the model's stored spec with the facts computed here once.
 */
import { templateContext, type ForgeConfig } from '../lib/config.js';
import type { FileEntry } from '../lib/files.js';
import { withArticle } from '../lib/names.js';
import { Imports, LINE_LENGTH, pyCall } from '../lib/render.js';
import { embedsOf, schemaLines, testPlan } from '../lib/resource.js';
import { linkIds, type ModelSpec } from '../lib/spec.js';

/** Names the generated modules bind themselves: a row variable may not take them. */
const TAKEN_NAMES = new Set([
  'status',
  'select',
  'func',
  'col',
  'router',
  'db',
  'field',
  'value',
  'row',
  'rows',
  'detail',
  'exc',
  'statement',
  'result',
  'skip',
  'limit',
  'data',
  'created',
  'response',
  'values',
  'change',
  'changes',
  'deleted',
  'updated',
  'ids',
  'page',
  'user',
  'query',
  'where',
  'included',
]);

export interface ResourceOptions {
  /** Router prefix, e.g. `/posts`. */
  prefix: string;
  skipTests: boolean;
  /** Every endpoint needs a signed-in user (projects with --auth, unless forge:crud --public). */
  signedIn: boolean;
  /** The URL of each model that has REST endpoints, for the tests of references to them. */
  urls: ReadonlyMap<string, string>;
  /** The field that references each row's owner (forge:crud --owner): set from the signed-in user. */
  owner?: string | undefined;
  /** --private: only the owner and superusers see a row. */
  private?: boolean;
  /** The resources whose rows only their owners see: a list never embeds them. */
  privateResources?: ReadonlySet<string>;
}

export function resourceContext(
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  config: ForgeConfig,
  options: ResourceOptions,
) {
  const owner = spec.fields.find((field) => field.name === options.owner);
  if (options.owner !== undefined && owner === undefined) {
    throw new Error(`${spec.name} has no field ${options.owner} to hold its owner.`);
  }
  const embeds = embedsOf(spec, specs, options.urls, options.privateResources);
  const schema = schemaLines(spec, owner?.name, embeds);
  const tests = testPlan(spec, specs, {
    query: schema.query,
    orm: config.orm,
    signedIn: options.signedIn,
    urls: options.urls,
    owner: owner?.name,
    includes: embeds.filter((embed) => embed.many !== true).map((embed) => embed.relation),
    linkIncludes: embeds.filter((embed) => embed.many === true).map((embed) => embed.relation),
  });
  const crudImports = new Imports()
    .add('typing', 'Any', 'cast')
    .add('sqlalchemy', 'CursorResult', 'bindparam', 'delete', 'select')
    .add('sqlalchemy.ext.asyncio', 'AsyncSession')
    .add('app.crud.listing', 'PageOf', 'fetch_page')
    .add(`app.models.${spec.module}`, spec.name)
    .add(`app.schemas.${spec.module}`, `${spec.name}Create`, `${spec.name}Query`, `${spec.name}Update`);
  if (config.orm === 'sqlmodel') crudImports.add('sqlmodel', 'col');
  if (owner !== undefined && options.private === true) crudImports.add('sqlalchemy', 'ColumnElement');
  const routerImports = new Imports()
    .add('typing', 'Annotated')
    .add('fastapi', 'APIRouter', 'HTTPException', 'Query', 'Request', 'Response', 'status')
    .add('sqlalchemy.exc', 'IntegrityError')
    .add('app.core.database', 'SessionDep')
    .add('app.core.errors', 'responses')
    .add('app.crud.conflicts', 'explain_conflict', 'explain_references')
    .add(`app.crud.${spec.module}`, `${spec.module}_crud`)
    .add(`app.models.${spec.module}`, spec.name)
    .add('app.routers.params', 'RowId')
    .add(
      `app.schemas.${spec.module}`,
      ...['Create', 'Page', 'Query', 'Read', 'Update'].map((s) => spec.name + s),
    );
  if (options.signedIn) {
    routerImports.add('fastapi', 'Depends').add('app.routers.dependencies', 'get_current_user');
  }
  if (owner !== undefined) {
    routerImports
      .add('sqlalchemy.ext.asyncio', 'AsyncSession')
      .add('app.models.user', 'User')
      .add('app.routers.dependencies', 'CurrentUser');
  }
  // Many-to-many links: their ids are read and written with the row.
  const links = (spec.links ?? []).map((link) => ({
    name: link.name,
    ids: linkIds(link),
    model: link.model,
    module: specs.get(link.model)!.module,
  }));
  if (links.length > 0) {
    crudImports.add('app.crud.conflicts', 'rows_by_id');
    for (const link of links) crudImports.add(`app.models.${link.module}`, link.model);
    routerImports.add('app.crud.conflicts', 'MissingRows');
  }
  const ownerLabel = owner && (owner.relation ?? owner.name.replace(/_id$/, ''));
  if (embeds.length > 0) routerImports.add(`app.schemas.${spec.module}`, `${spec.name}Item`);
  return {
    ...templateContext(config),
    spec,
    /** "a Post", "an Article". */
    aName: withArticle(spec.name),
    prefix: options.prefix,
    skipTests: options.skipTests,
    signedIn: options.signedIn,
    owner,
    /** What the owner is called in messages, e.g. "author" for author_id. */
    ownerLabel,
    forbidden: forbiddenLines(spec.name, spec.module, ownerLabel),
    private: owner !== undefined && options.private === true,
    routerArgs: [
      `prefix="${options.prefix}"`,
      `tags=["${spec.table}"]`,
      ...(options.signedIn ? ['dependencies=[Depends(get_current_user)]'] : []),
      // Statuses every endpoint can answer; each endpoint documents its own besides.
      `responses=responses(${options.signedIn ? '401, 503' : '503'})`,
    ],
    /** Prefix of `<module>_id`, `<module>_in`, `<module>_crud` and the handler names. */
    variable: spec.module,
    /** The variable holding one row. */
    item: TAKEN_NAMES.has(spec.module) ? `${spec.module}_row` : spec.module,
    schema,
    embeds,
    links,
    /** `exclude={"tag_ids"}`: what model_dump() leaves to the links. */
    dumpExclude: links.length > 0 ? `exclude={${links.map((l) => `"${l.ids}"`).join(', ')}}` : '',
    /** The class of a list's items: <Name>Item when it can embed references, else <Name>Read. */
    itemClass: embeds.length > 0 ? `${spec.name}Item` : `${spec.name}Read`,
    routerImports: routerImports.render(),
    crudImports: crudImports.render(),
    tests,
    fixtures: tests.needsSession ? 'client: AsyncClient, session: AsyncSession' : 'client: AsyncClient',
    sessionParam: tests.needsSession ? 'session: AsyncSession' : '',
    sessionArg: tests.needsSession ? 'session' : '',
    createArgs: tests.needsSession ? 'client, session' : 'client',
    call: pyCall,
  };
}

export type ResourceContext = ReturnType<typeof resourceContext>;

export const RESOURCE_FILES: readonly FileEntry<ResourceContext>[] = [
  { to: (c) => `app/schemas/${c.spec.module}.py`, from: 'app/schemas/resource.py' },
  { to: (c) => `app/crud/${c.spec.module}.py`, from: 'app/crud/resource.py' },
  { to: (c) => `app/routers/v1/${c.spec.table}.py`, from: 'app/routers/v1/resource.py' },
  {
    to: (c) => `tests/api/test_${c.spec.table}.py`,
    from: 'tests/api/test_resource.py',
    when: (c) => !c.skipTests,
  },
];

/** The output paths of the files this context writes. */
export function resourcePaths(context: ResourceContext): string[] {
  return RESOURCE_FILES.filter((file) => !file.when || file.when(context)).map((file) =>
    typeof file.to === 'function' ? file.to(context) : file.to,
  );
}

/** The 403 detail for a row of another user, as ruff format lays it out at 12 spaces: one line if it fits. */
function forbiddenLines(model: string, variable: string, label: string | undefined): string[] {
  const head = `f"${model} {${variable}_id} belongs to another user: `;
  const tail = `only its ${label} or a superuser may change it"`;
  const line = `${head}${tail},`;
  if (12 + line.length <= LINE_LENGTH) return [line];
  return [`${head}"`, `"${tail},`];
}
