import type { Kysely, Migration } from "kysely";

/**
 * Images whose original carries metadata (EXIF with GPS, XMP, IPTC) are served from a copy
 * without it (`stripped/<id>` in the file store), while the original stays as uploaded.
 */
export function strippedImagesMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable("uploads")
        .addColumn("has_stripped", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable("uploads").dropColumn("has_stripped").execute();
    },
  };
}
