import type { Kysely, Migration } from "kysely";

/**
 * Link previews (contract §4) are stored on their message, as JSON: at most 3 entries of
 * bounded fields (about 32 KB at the very most, within MySQL's TEXT), read with the message
 * wherever it is read. NULL while there are none.
 */
export function linkPreviewsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable("messages").addColumn("link_previews", "text").execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable("messages").dropColumn("link_previews").execute();
    },
  };
}
