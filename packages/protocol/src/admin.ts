import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Id, MAX_USER_ID } from "./ids.js";
import { Text } from "./text.js";

/** The admin API (integrations §1): API keys, admin users, the audit log. */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: "date-time", description: "ISO 8601, UTC, milliseconds" });

/** A user id the admin API takes from the application: 1…2^48, as tokens may carry. */
export const AdminUserId = Type.Integer({ minimum: 1, maximum: MAX_USER_ID });

export const AdminUserParams = Type.Object({ id: AdminUserId });
export type AdminUserParams = Static<typeof AdminUserParams>;

/** A user as the admin API shows it: `ban_reason` only while banned. */
export const AdminUser = Type.Object({
  id: Id,
  username: Nullable(Type.String()),
  display_name: Nullable(Type.String()),
  bot: Type.Boolean(),
  active: Type.Boolean(),
  created_at: Timestamp,
  ban_reason: Type.Optional(Type.String()),
});
export type AdminUser = Static<typeof AdminUser>;

const Username = Text({ minLength: 1, maxLength: 64 });
const DisplayName = Text({ minLength: 1, maxLength: 64 });
const Password = Text({ minLength: 1, maxLength: 256 });

export const AdminCreateUserBody = Type.Object(
  {
    id: Type.Optional(AdminUserId),
    username: Type.Optional(Nullable(Username)),
    display_name: Type.Optional(Nullable(DisplayName)),
    password: Type.Optional(Nullable(Password)),
    bot: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AdminCreateUserBody = Static<typeof AdminCreateUserBody>;

export const AdminPatchUserBody = Type.Object(
  {
    username: Type.Optional(Nullable(Username)),
    display_name: Type.Optional(Nullable(DisplayName)),
    password: Type.Optional(Nullable(Password)),
    bot: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AdminPatchUserBody = Static<typeof AdminPatchUserBody>;

export const ADMIN_TOKEN_TTL = { min: 60, max: 2_592_000, default: 86_400 } as const;

export const AdminTokenBody = Type.Object(
  { ttl: Type.Optional(Type.Integer({ minimum: ADMIN_TOKEN_TTL.min, maximum: ADMIN_TOKEN_TTL.max })) },
  { additionalProperties: false },
);
export type AdminTokenBody = Static<typeof AdminTokenBody>;

export const AdminTokenResponse = Type.Object({ token: Type.String(), expires_at: Timestamp });
export type AdminTokenResponse = Static<typeof AdminTokenResponse>;

export const MAX_BAN_REASON_CHARS = 1000;

export const AdminBanBody = Type.Object(
  { reason: Type.Optional(Text({ minLength: 1, maxLength: MAX_BAN_REASON_CHARS })) },
  { additionalProperties: false },
);
export type AdminBanBody = Static<typeof AdminBanBody>;

/** One admin action in the audit log. */
export const AuditEntry = Type.Object({
  id: Id,
  key_name: Type.String(),
  action: Type.String(),
  target_type: Nullable(Type.String()),
  target_id: Nullable(Type.Integer()),
  created_at: Timestamp,
  detail: Nullable(Type.Record(Type.String(), Type.Unknown())),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  before_id: Type.Optional(Id),
});
export type AuditListQuery = Static<typeof AuditListQuery>;

export const AuditListResponse = Type.Object({ entries: Type.Array(AuditEntry), has_more: Type.Boolean() });
export type AuditListResponse = Static<typeof AuditListResponse>;
