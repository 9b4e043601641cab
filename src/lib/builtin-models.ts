/** The models forge:database writes (users; with --auth, refresh tokens), stored as builtin specs. */
import type { ModelSpec } from './spec.js';

/** The authentication models, defined in the field DSL like any other model. */
export const BUILTIN_MODELS: readonly (Pick<ModelSpec, 'name' | 'table' | 'module' | 'doc'> & {
  fields: string[];
  /** Written only for projects with JWT authentication, for its own bookkeeping: no other model references it. */
  authOnly?: boolean;
})[] = [
  {
    name: 'User',
    table: 'users',
    module: 'user',
    doc: 'accounts that can authenticate',
    fields: [
      'username:str:max=50:unique:index',
      'email:str:max=255:unique:index',
      'hashed_password:str:max=255',
      'is_active:bool:default=true',
      'is_superuser:bool:default=false',
      // Set when the user follows the link of a verification email (forge:email), or by a superuser.
      'is_verified:bool:default=false',
    ],
  },
  {
    name: 'RefreshToken',
    table: 'refresh_tokens',
    module: 'refresh_token',
    doc: 'one per refresh token issued, kept as a SHA-256 hash',
    authOnly: true,
    fields: [
      'user_id:int:fk=users.id:ondelete=cascade:index',
      'token_hash:str:max=64:unique:index',
      'expires_at:datetime',
      'revoked_at:datetime:optional',
      'session_id:uuid:index',
      'session_started_at:datetime',
      'user_agent:str:max=255:optional',
      'ip_address:str:max=45:optional',
    ],
  },
];

/** Builtin models that are authentication's own: the interactive flow does not offer them as reference targets. */
export const INTERNAL_MODELS: ReadonlySet<string> = new Set(
  BUILTIN_MODELS.filter((model) => model.authOnly).map((model) => model.name),
);
