import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASES, ORMS } from '../../src/lib/config.js';
import { scripted } from '../support/answers.js';
import { listFiles, newProject, runGenerator } from '../support/generate.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import helpers from 'yeoman-test';

const runCrud = (project: string, args: string[], options: Record<string, unknown> = {}) =>
  runGenerator(generatorPath('crud'))
    .withGenerators(FORGE_GENERATORS)
    .cd(project)
    .withArguments(args)
    .withOptions({ force: true, ...options });

const runModel = (project: string, args: string[], options: Record<string, unknown> = {}) =>
  runGenerator(generatorPath('model'))
    .withGenerators(FORGE_GENERATORS)
    .cd(project)
    .withArguments(args)
    .withOptions({ force: true, ...options });

const migrations = (project: string) => readdirSync(join(project, 'alembic', 'versions')).sort();
const read = (project: string, file: string) => readFileSync(join(project, file), 'utf8');
const snapshot = (project: string) => listFiles(project).map((f) => [f, read(project, f)]);

const POST = ['Post', 'title:str:max=200:unique', 'content:text', 'author_id:int:fk=users.id'];
const AGGREGATOR = 'app/routers/v1/__init__.py';

/** The router of a resource that needs a signed-in user, with the statuses every endpoint can answer. */
const SIGNED_IN_ROUTER =
  /router = APIRouter\(\n {4}prefix="\/posts",\n {4}tags=\["posts"\],\n {4}dependencies=\[Depends\(get_current_user\)\],\n {4}responses=responses\(401, 503\),\n\)/;

describe('forge:crud', () => {
  for (const database of DATABASES) {
    for (const orm of ORMS) {
      it(`${database} + ${orm}: scaffolds the model, then its CRUD class, schemas, router, registration and tests`, async () => {
        const project = await newProject(database, orm);
        const before = migrations(project).length;
        // No owner: any signed-in user may change any post (the ownership tests are below).
        await runCrud(project, POST, { owner: 'none' });
        assert.equal(migrations(project).length, before + 1);
        assert.match(read(project, 'app/models/post.py'), /class Post\(/);
        const crud = read(project, 'app/crud/post.py');
        assert.match(crud, /class PostCRUD:/);
        for (const method of ['get_by_id', 'get_page', 'create', 'update', 'delete']) {
          assert.match(crud, new RegExp(`@staticmethod\\n {4}async def ${method}\\(db: AsyncSession`));
        }
        assert.match(crud, /^post_crud = PostCRUD\(\)$/m);
        // The INSERT returns the id and the object holds every other value: no SELECT after a write.
        assert.doesNotMatch(crud, /refresh/);
        assert.match(crud, /async def get_page\(db: AsyncSession, query: PostQuery\) -> PageOf\[Post\]:/);
        assert.match(crud, /return await fetch_page\(db, Post, query\)/);
        assert.match(crud, /model_dump\(exclude_unset=True\)/);
        const schemas = read(project, 'app/schemas/post.py');
        assert.match(schemas, /class PostBase\(BaseModel\):\n {4}title: Text = Field\(max_length=200\)/);
        assert.match(
          schemas,
          /^from app\.schemas\.types import Int32, LongText, PartialUpdate, Text, Timestamp$/m,
        );
        assert.match(schemas, /class PostCreate\(PostBase\):/);
        // A required field may be left out of an update, not set to null: its schema offers no null.
        assert.match(
          schemas,
          /class PostUpdate\(PartialUpdate\):[^]*title: Annotated\[Text, Field\(max_length=200\)\] \| SkipJsonSchema\[None\] = None/,
        );
        assert.match(
          schemas,
          /class PostRead\(PostBase\):\n {4}model_config = ConfigDict\(from_attributes=True\)/,
        );
        assert.match(
          schemas,
          /class PostPage\(BaseModel\):[^]*items: list\[PostRead\]\n {4}total: int \| None\n {4}skip: int \| None\n {4}limit: int\n {4}next_cursor: str \| None/,
        );
        // The list query: sortable fields but text, searchable text, a filter per field and operator.
        const query = schemas.split('class PostQuery(ListQuery):')[1]!.split('class PostPage')[0]!;
        assert.match(query, /"title": str,\n {8}"author_id": int,\n {8}"created_at": datetime,/);
        assert.doesNotMatch(query, /"content": /);
        assert.match(query, /SEARCHABLE: ClassVar\[tuple\[str, \.\.\.\]\] = \("title", "content"\)/);
        assert.match(query, /^ {4}sort: str = sort_by\(SORTABLE\)$/m);
        for (const line of [
          'title: Text | None = None',
          'title__in: Annotated[list[Text], CommaSeparated, AnyOf] | None = None',
          'title__icontains: Text | None = None',
          'content__icontains: Text | None = None',
          'author_id__in: Annotated[list[QueryInt32], CommaSeparated, AnyOf] | None = None',
          'created_at__gte: Timestamp | None = None',
        ]) {
          assert.ok(query.includes(`\n    ${line}\n`), line);
        }
        // A reference has no range filter.
        assert.doesNotMatch(query, /author_id__gte/);
        const router = read(project, 'app/routers/v1/posts.py');
        assert.match(router, SIGNED_IN_ROUTER);
        assert.match(router, /status_code=status\.HTTP_201_CREATED/);
        assert.match(
          router,
          /response\.headers\["Location"\] = str\(request\.url_for\("read_post", post_id=post\.id\)\)/,
        );
        assert.match(
          router,
          /async def list_posts\(db: SessionDep, query: Annotated\[PostQuery, Query\(\)\]\) -> PostPage:/,
        );
        assert.match(router, /next_cursor=page\.next_cursor,/);
        assert.match(router, /async def read_post\(db: SessionDep, post_id: RowId\) -> Post:/);
        assert.match(
          router,
          /except IntegrityError as exc:\n {8}detail = await explain_conflict\(db, Post, post_in\.model_dump\(\)\)\n {8}raise HTTPException\(status\.HTTP_409_CONFLICT, detail\)/,
        );
        assert.match(router, /detail = await explain_references\(db, Post, post_id\)/);
        assert.match(router, /responses=responses\(201, 400, 409, 413\)/);
        const aggregator = read(project, AGGREGATOR);
        assert.match(
          aggregator,
          /from app\.routers\.v1 import account, auth, users\nfrom app\.routers\.v1\.posts import router as posts_router\n\n# forge-needle-router-imports/,
        );
        assert.match(
          aggregator,
          /api_router\.include_router\(posts_router\)\n# forge-needle-router-includes/,
        );
        const tests = read(project, 'tests/api/test_posts.py');
        assert.match(tests, /async def insert_user\(session: AsyncSession\) -> User:/);
        assert.match(tests, /async def test_duplicate_is_409/);
        assert.match(tests, /async def test_missing_reference_is_409/);
        assert.match(tests, /pytest\.param\("title", "x" \* 201, id="title: too long"\)/);
        assert.match(tests, /pytest\.param\("author_id", 2\*\*31, id="author_id: out of range"\)/);
        assert.match(tests, /async def test_a_value_no_database_stores_is_422\(/);
        assert.match(tests, /assert created\["content"\] == data\["content"\]/);
        assert.match(tests, /async def test_ids_and_offsets_outside_the_column_range_are_422/);
        assert.match(tests, /async def test_a_row_deleted_during_an_update_is_404/);
        // Nothing in a post is stored in another form than sent.
        assert.doesNotMatch(tests, /test_create_and_update_answer_what_is_stored/);
        // author_id references users without ondelete: deleting the user is refused while a post refers to it.
        assert.match(tests, /async def test_deleting_what_author_id_references\(/);
        assert.match(tests, /assert "posts\.author_id" in response\.json\(\)\["detail"\]/);
        for (const line of [crud, schemas, router, tests].flatMap((text) => text.split('\n'))) {
          assert.ok(line.length <= 100, `longer than 100 characters: ${line}`);
        }
      });
    }
  }

  it('reads an existing model: no new migration, a second resource referencing the first', async () => {
    const project = await newProject('postgresql', 'sqlalchemy');
    await runModel(project, POST);
    const before = migrations(project);
    await runCrud(project, ['Post']);
    assert.deepEqual(migrations(project), before);
    await runCrud(project, ['Comment', 'body:text', 'post:ref=Post']);
    const tests = read(project, 'tests/api/test_comments.py');
    assert.match(tests, /async def insert_post\(session: AsyncSession\) -> Post:/);
    assert.match(tests, /author_id=\(await insert_user\(session\)\)\.id/);
    assert.match(tests, /"post_id": \(await insert_post\(session\)\)\.id/);
    assert.doesNotMatch(tests, /test_duplicate_is_409/);
    assert.match(
      read(project, AGGREGATOR),
      // Resource routers in the order `yo forge` renders them: by prefix.
      /include_router\(comments_router\)\napi_router\.include_router\(posts_router\)\n# forge-needle/,
    );
  });

  it('a re-run changes nothing; forge:model adding fields renders the schemas, filters and tests again', async () => {
    const project = await newProject();
    await runCrud(project, POST);
    const before = snapshot(project);
    await runCrud(project, ['Post']);
    assert.deepEqual(snapshot(project), before);
    assert.equal(read(project, AGGREGATOR).match(/include_router\(posts_router\)/g)?.length, 1);
    // forge:model alone: the resource follows its model in the same run.
    await runModel(project, ['Post', 'views:int:default=0', 'subtitle:str:max=80:optional']);
    const schemas = read(project, 'app/schemas/post.py');
    assert.match(schemas, /views: Int32 = 0/);
    assert.match(schemas, /subtitle: Text \| None = Field\(default=None, max_length=80\)/);
    assert.match(schemas, /views__gte: QueryInt32 \| None = None/);
    assert.match(schemas, /subtitle__isnull: bool \| None = None/);
    assert.match(read(project, 'tests/api/test_posts.py'), /"views": 7/);
    assert.match(read(project, 'tests/api/test_posts.py'), /\("views__gte", "views"\),/);
  });

  it('tests that create and update answer the stored form of decimals, times and datetimes', async () => {
    const project = await newProject();
    await runCrud(project, [
      'Slot',
      'price:decimal',
      'opens:time',
      'at:datetime',
      'code:decimal:scale=0:unique',
    ]);
    const tests = read(project, 'tests/api/test_slots.py');
    assert.match(
      tests,
      /async def test_create_and_update_answer_what_is_stored\(client: AsyncClient\) -> None:\n.*\n {4}restated = \{\n {8}"price": "1\.5",\n {8}"opens": "12:30:01\.75\+02:00",\n {8}"at": "2024-01-02T03:04:05\.123456\+05:00",\n {4}\}/,
    );
  });

  it('lists can include the rows that references point at: users (public part) and resources', async () => {
    const project = await newProject();
    await runCrud(project, POST, { owner: 'none' });
    await runCrud(project, ['Tag', 'label:str']);
    await runCrud(project, ['Note', 'text:str', 'owner:ref=User'], { owner: 'owner', private: true });
    await runCrud(
      project,
      [
        'Comment',
        'body:text',
        'post:ref=Post',
        'writer:ref=User',
        'tag:ref=Tag:optional',
        'note:ref=Note:optional',
      ],
      {
        owner: 'none',
      },
    );
    const schemas = read(project, 'app/schemas/comment.py');
    assert.match(
      schemas,
      /class CommentItem\(CommentRead, ListItem\):\n {4}"{3}[^\n]+\n\n {4}post: PostRead \| None = None\n {4}writer: UserPublic \| None = None\n {4}tag: TagRead \| None = None\n/,
    );
    assert.match(
      schemas,
      /include: Annotated\[list\[Literal\["post", "writer", "tag"\]\], CommaSeparated, AnyOf\] \| None = None/,
    );
    assert.match(schemas, /items: list\[CommentItem\]/);
    assert.match(
      read(project, 'app/routers/v1/comments.py'),
      /included = \{"include": query\.include\}\n.*\n {8}items=\[CommentItem\.model_validate\(row, context=included\) for row in page\.rows\]/,
    );
    const tests = read(project, 'tests/api/test_comments.py');
    assert.match(tests, /async def test_include_embeds_references_in_the_same_query\(/);
    assert.match(tests, /assert with_includes == without, statements/);
    // A --private resource is never embedded: its rows would show through others' comments.
    assert.doesNotMatch(schemas, /note: NoteRead|"note"\]/);
    // No reference, or an fk= field (no relationship): nothing to embed.
    assert.doesNotMatch(read(project, 'app/schemas/tag.py'), /TagItem|include/);
    assert.doesNotMatch(read(project, 'app/schemas/post.py'), /PostItem|include/);
  });

  it('refuses a unique reference (one=User) as the owner, before writing anything', async () => {
    const project = await newProject();
    const files = snapshot(project);
    await assert.rejects(
      runCrud(project, ['Profile', 'bio:text', 'account:one=User'], { owner: 'account' }),
      /^Error: --owner account: account_id is unique \(one=User\), so each user could own a single Profile: not supported yet\./,
    );
    assert.deepEqual(snapshot(project), files);
  });

  it('many=Model: ids in Create, Update and Read, checked before the write; include= embeds the rows', async () => {
    const project = await newProject('postgresql', 'sqlmodel');
    await runCrud(project, ['Tag', 'name:str:max=40:unique']);
    await runModel(project, ['Category', 'label:str']);
    await runCrud(project, ['Post', 'title:str', 'tags:many=Tag', 'categories:many=Category']);
    const schemas = read(project, 'app/schemas/post.py');
    assert.match(
      schemas,
      /class PostCreate\(PostBase\):[^]*?model_config = ConfigDict\(extra="forbid"\)\n\n {4}tag_ids: list\[Int32\] = Field\(\n {8}default_factory=list, max_length=MAX_LINKS, description="Ids of the Tag rows to link"\n {4}\)\n {4}category_ids: list\[Int32\]/,
    );
    assert.match(
      schemas,
      /tag_ids: Annotated\[list\[Int32\], Field\(max_length=MAX_LINKS\)\] \| SkipJsonSchema\[None\] = None/,
    );
    assert.match(
      schemas,
      /class PostRead\(PostBase\):[^]*?id: int\n {4}tag_ids: list\[int\]\n {4}category_ids: list\[int\]\n/,
    );
    // Tags have endpoints: a list can embed them; categories have none.
    assert.match(
      schemas,
      /class PostItem\(PostRead, ListItem\):\n[^]*?\n {4}tags: list\[TagRead\] \| None = None\n\n/,
    );
    assert.match(
      schemas,
      /include: Annotated\[list\[Literal\["tags"\]\], CommaSeparated, AnyOf\] \| None = None/,
    );
    const crud = read(project, 'app/crud/post.py');
    // The linked rows load with every Post (lazy="selectin"): nothing to ask for in the CRUD.
    assert.doesNotMatch(crud, /selectinload|options\(/);
    assert.match(
      crud,
      /post = Post\(\*\*post_in\.model_dump\(exclude=\{"tag_ids", "category_ids"\}\)\)\n {8}post\.tags = await rows_by_id\(db, Tag, post_in\.tag_ids, "tag_ids"\)/,
    );
    assert.match(crud, /if post_in\.category_ids is not None:\n {12}post\.categories = await rows_by_id\(/);
    const router = read(project, 'app/routers/v1/posts.py');
    assert.equal(
      router.match(
        /except MissingRows as exc:\n {8}raise HTTPException\(status\.HTTP_409_CONFLICT, f"Post not saved: \{exc\}"\) from exc/g,
      )?.length,
      2,
    );
    assert.match(
      read(project, 'app/models/post.py'),
      /@property\n {4}def tag_ids\(self\) -> list\[int\]:\n[^\n]+\n {8}return sorted\(row\.id for row in self\.tags if row\.id is not None\)/,
    );
    assert.match(read(project, 'app/models/post.py'), /"secondary": "post_tags", "lazy": "selectin"/);
    const tests = read(project, 'tests/api/test_posts.py');
    assert.match(tests, /async def test_tags_are_linked_by_id\(/);
    assert.match(tests, /async def test_categories_are_linked_by_id\(/);
    assert.match(tests, /async def test_include_embeds_the_linked_tags\(/);
    assert.doesNotMatch(tests, /test_include_embeds_the_linked_categories/);
    // A field may not take the name of a link's ids.
    await assert.rejects(
      runModel(project, ['Post', 'tag_ids:int']),
      /"tag_ids" is already a relationship of Post/,
    );
    await assert.rejects(
      runModel(project, ['Category', 'item_ids:int', 'items:many=Tag']),
      /"items:many=Tag": the API would hold its ids in "item_ids", already a field of Category/,
    );
  });

  it('adds fields through forge:model when given for an existing model', async () => {
    const project = await newProject();
    await runCrud(project, POST);
    await runCrud(project, ['Post', 'views:int:default=0']);
    assert.match(read(project, 'app/models/post.py'), /views: int/);
    assert.match(read(project, 'app/schemas/post.py'), /views: Int32/);
  });

  it('never overwrites an edited file silently: the conflict prompt decides', async () => {
    const project = await newProject();
    await runCrud(project, POST);
    const edited = `${read(project, 'app/routers/v1/posts.py')}\n# mine\n`;
    writeFileSync(join(project, 'app/routers/v1/posts.py'), edited);
    // forge:model re-renders the resource. An environment without yeoman-test's default force, as on the
    // command line: every changed file is asked.
    const asked = await helpers
      .run(generatorPath('model'), {}, { force: false })
      .withGenerators(FORGE_GENERATORS)
      .cd(project)
      .withArguments(['Post', 'views:int:default=0'])
      .withAnswers({ action: 'skip' });
    // Only the edited file is asked about; the others, as forge wrote them, are updated.
    assert.deepEqual(
      asked.askedQuestions.map((q) => q.name),
      ['action'],
    );
    assert.equal(read(project, 'app/routers/v1/posts.py'), edited);
    assert.match(read(project, 'app/schemas/post.py'), /views: Int32/);
    assert.match(read(project, 'tests/api/test_posts.py'), /"views": 7/);
    await runCrud(project, ['Post']);
    assert.doesNotMatch(read(project, 'app/routers/v1/posts.py'), /# mine/);
    assert.match(read(project, 'app/schemas/post.py'), /views: Int32/);
  });

  it('honours --skip-tests and --prefix, and a re-run keeps both', async () => {
    const project = await newProject('mysql', 'sqlmodel');
    await runCrud(project, ['Tag', 'label:str:max=40:unique'], { skipTests: true, prefix: '/blog/tags' });
    assert.ok(!listFiles(project).includes('tests/api/test_tags.py'));
    const prefix = /APIRouter\(\n {4}prefix="\/blog\/tags",\n {4}tags=\["tags"\],/;
    assert.match(read(project, 'app/routers/v1/tags.py'), prefix);
    await runCrud(project, ['Tag', 'color:str:max=20:optional']);
    assert.ok(!listFiles(project).includes('tests/api/test_tags.py'));
    assert.match(read(project, 'app/routers/v1/tags.py'), prefix);
    assert.match(read(project, 'app/schemas/tag.py'), /color: Text \| None/);
  });

  it('with --auth, the endpoints need a signed-in user unless --public, which a re-run keeps', async () => {
    const project = await newProject();
    await runCrud(project, POST, { owner: 'none' });
    const router = read(project, 'app/routers/v1/posts.py');
    assert.match(router, SIGNED_IN_ROUTER);
    assert.match(router, /^from app\.routers\.dependencies import get_current_user$/m);
    const tests = read(project, 'tests/api/test_posts.py');
    assert.match(tests, /^import pytest\nfrom fastapi\.encoders import jsonable_encoder$/m);
    assert.match(tests, /def client\(client: AsyncClient, user_headers: dict\[str, str\]\) -> AsyncClient:/);
    assert.match(tests, /async def test_needs_a_signed_in_user/);

    await runCrud(project, ['Post'], { public: true });
    assert.doesNotMatch(read(project, 'app/routers/v1/posts.py'), /get_current_user/);
    assert.doesNotMatch(read(project, 'tests/api/test_posts.py'), /\buser_headers|def client/);
    await runCrud(project, ['Post']);
    assert.doesNotMatch(read(project, 'app/routers/v1/posts.py'), /get_current_user/);
    assert.equal(
      (JSON.parse(read(project, '.forge/resources/Post.json')) as { public: boolean }).public,
      true,
    );
  });

  it('with --no-auth, the endpoints are open', async () => {
    const project = await newProject('sqlite', 'sqlmodel', { auth: false });
    await runCrud(project, POST);
    assert.match(
      read(project, 'app/routers/v1/posts.py'),
      /router = APIRouter\(prefix="\/posts", tags=\["posts"\], responses=responses\(503\)\)/,
    );
    const tests = read(project, 'tests/api/test_posts.py');
    assert.doesNotMatch(tests, /user_headers/);
    // Without auth, deleting the referenced user needs no token.
    assert.match(tests, /response = await client\.delete\(f"\/api\/v1\/users\/\{target\}"\)/);
  });

  it('refuses, before writing, to rewrite an edited file in a run that cannot ask', async () => {
    const project = await newProject();
    await runCrud(project, POST);
    writeFileSync(join(project, 'app/crud/post.py'), `${read(project, 'app/crud/post.py')}# mine\n`);
    const before = snapshot(project);
    await assert.rejects(
      runCrud(project, ['Post', 'views:int:default=0'], { force: false, defaults: true }),
      /app\/crud\/post\.py changed since forge wrote it.*--force/,
    );
    assert.deepEqual(snapshot(project), before);
  });

  it('asks for the fields of a new model when none is given', async () => {
    const project = await newProject();
    const user = scripted({
      field: ['headline', ''],
      kind: ['str'],
      modifiers: [['max']],
      max: ['120'],
      confirmed: [true],
    });
    const result = await runCrud(project, ['Story']).withAnswers(user.answers, user.options);
    assert.deepEqual(
      result.askedQuestions.map((q) => q.name),
      ['field', 'kind', 'modifiers', 'max', 'field', 'confirmed'],
    );
    assert.match(read(project, 'app/schemas/story.py'), /headline: Text = Field\(max_length=120\)/);
  });

  describe('ownership (--owner, --private)', () => {
    const record = (project: string) =>
      JSON.parse(read(project, '.forge/resources/Post.json')) as { owner?: string | null; private: boolean };

    it('follows a rename of the owner field and refuses its removal', async () => {
      const project = await newProject();
      await runCrud(project, POST, { owner: 'author' });
      await runModel(project, ['Post'], { rename: 'author_id:writer_id' });
      assert.equal(record(project).owner, 'writer_id');
      assert.match(read(project, 'app/crud/post.py'), /post_in: PostCreate, writer_id: int\) -> Post:/);
      await assert.rejects(
        runModel(project, ['Post'], { remove: 'writer_id' }),
        /--remove writer_id: it holds each Post's owner; run yo forge:crud Post --owner none first\./,
      );
    });

    for (const orm of ORMS) {
      it(`${orm}: --owner fills the owner from the signed-in user; only it or a superuser changes the row`, async () => {
        const project = await newProject('postgresql', orm);
        await runCrud(project, POST, { owner: 'author' });
        assert.equal(record(project).owner, 'author_id');
        const schemas = read(project, 'app/schemas/post.py');
        // Not in what a client sends, in what it reads.
        assert.doesNotMatch(schemas.split('class PostRead')[0]!, /author_id:/);
        assert.match(
          schemas,
          /class PostRead\(PostBase\):\n {4}model_config = [^\n]+\n\n {4}id: int\n {4}author_id: int\n/,
        );
        assert.match(schemas, /class PostCreate\(PostBase\):[^]*model_config = ConfigDict\(extra="forbid"\)/);
        const crud = read(project, 'app/crud/post.py');
        assert.match(
          crud,
          /async def create\(db: AsyncSession, post_in: PostCreate, author_id: int\) -> Post:/,
        );
        assert.match(crud, /post = Post\(\*\*post_in\.model_dump\(\), author_id=author_id\)/);
        const router = read(project, 'app/routers/v1/posts.py');
        assert.match(
          router,
          /author_id = user\.id\n[^]*post = await post_crud\.create\(db, post_in, author_id=author_id\)/,
        );
        assert.match(router, /values = \{\*\*post_in\.model_dump\(\), "author_id": author_id\}/);
        assert.equal(/assert author_id is not None/.test(router), orm === 'sqlmodel');
        assert.match(router, /return user\.is_superuser or post\.author_id == user\.id/);
        assert.match(
          router,
          /status\.HTTP_403_FORBIDDEN,\n {12}f"Post \{post_id\} belongs to another user: only its author or a superuser may change it",\n/,
        );
        // Update and delete check the row first; reads stay open to every signed-in user.
        assert.equal(router.match(/await _get_changeable\(db, post_id, user\)/g)?.length, 2);
        assert.match(router, /async def read_post\(db: SessionDep, post_id: RowId\) -> Post:/);
        assert.match(router, /responses=responses\(400, 403, 404, 409, 413\)/);
        const tests = read(project, 'tests/api/test_posts.py');
        assert.match(tests, /async def test_the_owner_is_the_signed_in_user\(/);
        assert.match(tests, /async def test_only_the_owner_or_a_superuser_changes_it\(/);
        assert.match(tests, /other_user_headers: dict\[str, str\]/);
        // The payload leaves the owner out, and no test sends it as a reference to delete.
        assert.doesNotMatch(tests, /values: dict\[str, Any\] = \{[^}]*author_id/);
        assert.doesNotMatch(tests, /test_deleting_what_author_id_references|test_missing_reference_is_409/);
        assert.match(
          read(project, 'tests/conftest.py'),
          /async def other_user_headers\(session: AsyncSession\)/,
        );
        for (const line of [crud, schemas, router, tests].flatMap((text) => text.split('\n'))) {
          assert.ok(line.length <= 100, `longer than 100 characters: ${line}`);
        }
      });
    }

    it('--private: lists and reads show only the own rows (a superuser sees all); others get 404', async () => {
      const project = await newProject('sqlite', 'sqlmodel');
      await runCrud(project, POST, { owner: 'author_id', private: true });
      assert.deepEqual([record(project).owner, record(project).private], ['author_id', true]);
      const crud = read(project, 'app/crud/post.py');
      assert.match(crud, /query: PostQuery, author_id: int \| None = None\n {4}\) -> PageOf\[Post\]:/);
      assert.match(
        crud,
        /if author_id is not None:\n {12}where\.append\(col\(Post\.author_id\) == author_id\)/,
      );
      assert.match(crud, /return await fetch_page\(db, Post, query, \*where\)/);
      const router = read(project, 'app/routers/v1/posts.py');
      assert.match(router, /author_id = None if user\.is_superuser else user\.id/);
      assert.match(router, /page = await post_crud\.get_page\(db, query, author_id\)/);
      assert.match(router, /return await _get_visible\(db, post_id, user\)/);
      assert.equal(router.match(/await _get_visible\(db, post_id, user\)/g)?.length, 3);
      assert.doesNotMatch(router, /403/);
      assert.match(
        read(project, 'tests/api/test_posts.py'),
        /async def test_only_the_owner_or_a_superuser_sees_it\(/,
      );
      // A re-run keeps both.
      await runCrud(project, ['Post']);
      assert.match(read(project, 'app/routers/v1/posts.py'), /_get_visible/);
    });

    it('asks when the model references users, offering them and "none"; the answer is remembered', async () => {
      const project = await newProject();
      const asked = await runCrud(project, [
        'Post',
        'title:str',
        'writer:ref=User',
        'editor:ref=User:optional',
      ]);
      assert.deepEqual(
        asked.askedQuestions.map((q) => q.name),
        ['owner', 'private'],
      );
      // The default is the first reference to users.
      assert.equal(record(project).owner, 'writer_id');
      const again = await runCrud(project, ['Post']);
      assert.deepEqual(again.askedQuestions, []);
      await runCrud(project, ['Post'], { owner: 'none' });
      assert.equal(record(project).owner, null);
      assert.doesNotMatch(read(project, 'app/routers/v1/posts.py'), /CurrentUser|_get_changeable/);
      const declined = await runCrud(project, ['Post', 'views:int:default=0']);
      assert.deepEqual(declined.askedQuestions, []);
      assert.equal(record(project).owner, null);
    });

    it('splits the 403 message where ruff format would, for long names', async () => {
      const project = await newProject();
      await runCrud(project, ['ProjectAssignment', 'title:str', 'assignee:ref=User'], { owner: 'assignee' });
      assert.match(
        read(project, 'app/routers/v1/project_assignments.py'),
        /\n {12}f"ProjectAssignment \{project_assignment_id\} belongs to another user: "\n {12}"only its assignee or a superuser may change it",\n/,
      );
    });

    it('a reference to users added later can become the owner', async () => {
      const project = await newProject();
      await runCrud(project, ['Post', 'title:str']);
      assert.equal(record(project).owner, undefined);
      await runCrud(project, ['Post', 'author:ref=User:optional'], { owner: 'author' });
      assert.equal(record(project).owner, 'author_id');
      assert.match(read(project, 'app/schemas/post.py'), /^ {4}author_id: int \| None$/m);
      assert.match(read(project, 'app/routers/v1/posts.py'), /author_id=author_id/);
    });

    const refusals: [string, string[], Record<string, unknown>, RegExp, Record<string, unknown>?][] = [
      [
        '--owner with --public',
        POST,
        { owner: 'author_id', public: true },
        /--owner and --public do not go together: .*pass --owner none/,
      ],
      [
        'an --owner that is no reference to users',
        ['Post', 'title:str', 'ref_id:int'],
        { owner: 'title' },
        /Invalid --owner "title": expected a field of Post that references users.*add one, e\.g\. author:ref=User/,
      ],
      [
        '--private without an owner',
        POST,
        { owner: 'none', private: true },
        /--private needs an owner: add --owner <field>/,
      ],
      [
        '--owner in a --no-auth project',
        POST,
        { owner: 'author_id' },
        /--owner needs sign-in.*--no-auth/,
        { auth: false },
      ],
    ];
    for (const [label, args, options, message, project] of refusals) {
      it(`refuses ${label}, writing nothing`, async () => {
        const dir = await newProject('sqlite', 'sqlmodel', project ?? {});
        const before = snapshot(dir);
        await assert.rejects(runCrud(dir, args, options), message);
        assert.deepEqual(snapshot(dir), before);
      });
    }
  });

  describe('bad input: a clear error, nothing written', () => {
    const cases: [string, string[], Record<string, unknown>, RegExp][] = [
      ['no model name', [], {}, /Model name is missing: yo forge:crud/],
      [
        'the users resource',
        ['User'],
        {},
        /authentication model written by forge:database: its CRUD class \(app\/crud\/user\.py\) already exists/,
      ],
      ['User with fields', ['User', 'nickname:str'], {}, /authentication model/],
      [
        'a new model without fields when it cannot ask',
        ['Post'],
        { defaults: true },
        /no definition .* no field specs/,
      ],
      ['an invalid prefix', POST, { prefix: 'posts/' }, /Invalid --prefix "posts\/"/],
      ['a name the resource modules import', ['RowId', 'a:str'], {}, /would shadow/],
      ['what forge:model refuses', ['Post', 'a:varchar'], {}, /unknown type "varchar"/],
    ];
    for (const [label, args, options, message] of cases) {
      it(`refuses ${label}`, async () => {
        const project = await newProject();
        const before = snapshot(project);
        await assert.rejects(runCrud(project, args, options), message);
        assert.deepEqual(snapshot(project), before);
      });
    }

    it('refuses an aggregator whose marker line is gone, naming the line', async () => {
      const project = await newProject();
      const path = join(project, AGGREGATOR);
      writeFileSync(path, read(project, AGGREGATOR).replace('# forge-needle-router-includes\n', ''));
      const before = snapshot(project);
      await assert.rejects(runCrud(project, POST), /"# forge-needle-router-includes" is missing/);
      assert.deepEqual(snapshot(project), before);
    });
  });
});

describe('forge:crud --destroy', () => {
  it('removes the resource and its model: files, specs, registry and router lines, and drops the table', async () => {
    const project = await newProject();
    const untouched = snapshot(project);
    await runCrud(project, ['Tag', 'name:str:max=50:unique', 'owner:ref=User:optional'], { owner: 'none' });
    const before = migrations(project);
    await runCrud(project, ['Tag'], { destroy: true });
    const added = migrations(project).filter((file) => !before.includes(file));
    assert.equal(added.length, 1);
    const migration = read(project, `alembic/versions/${added[0]!}`);
    assert.match(migration, /def upgrade\(\) -> None:\n(?: {4}#.*\n)* {4}op\.drop_table\("tags"\)/);
    assert.match(migration, /def downgrade\(\) -> None:\n {4}op\.create_table\(\n {8}"tags",/);
    assert.match(migration, /The rows of tags are deleted by upgrade\(\)/);
    // Every file as it was before the resource, but the two migrations that created and dropped the table.
    const now = snapshot(project).filter(([file]) => !file!.startsWith('alembic/versions/'));
    assert.deepEqual(
      now,
      untouched.filter(([file]) => !file!.startsWith('alembic/versions/')),
    );
  });

  it('refuses to delete files edited by hand, unless --force; asks before dropping the table', async () => {
    const project = await newProject();
    await runCrud(project, ['Tag', 'name:str:max=50']);
    writeFileSync(join(project, 'app/crud/tag.py'), read(project, 'app/crud/tag.py') + '# mine\n');
    const before = snapshot(project);
    await assert.rejects(
      runCrud(project, ['Tag'], { destroy: true, force: false, defaults: true }),
      /app\/crud\/tag\.py changed since forge wrote it; --destroy would delete it\. Keep a copy of your changes, then re-run with --force\./,
    );
    writeFileSync(join(project, 'app/crud/tag.py'), read(project, 'app/crud/tag.py').replace('# mine\n', ''));
    await assert.rejects(
      runCrud(project, ['Tag'], { destroy: true, force: false, defaults: true }),
      /--destroy drops the table tags and its rows; re-run with --force to confirm\./,
    );
    assert.deepEqual(
      snapshot(project),
      before.map(([f, t]) => [f, f === 'app/crud/tag.py' ? t!.replace('# mine\n', '') : t]),
    );
  });

  it('refuses while another model references it, naming the field, and forge:model --destroy points to it', async () => {
    const project = await newProject();
    await runCrud(project, ['Post', 'title:str']);
    await runModel(project, ['Comment', 'body:text', 'post:ref=Post:ondelete=cascade']);
    const before = snapshot(project);
    await assert.rejects(
      runCrud(project, ['Post'], { destroy: true }),
      /--destroy: Comment\.post references Post; remove that field first/,
    );
    await assert.rejects(
      runModel(project, ['Post'], { destroy: true }),
      /--destroy: Comment\.post references Post/,
    );
    assert.deepEqual(snapshot(project), before);
    await runModel(project, ['Comment'], { destroy: true });
    assert.doesNotMatch(read(project, 'app/models/post.py'), /comments/);
    await assert.rejects(
      runModel(project, ['Post'], { destroy: true }),
      /--destroy: Post has REST endpoints; yo forge:crud Post --destroy removes them and the model\./,
    );
  });
});
