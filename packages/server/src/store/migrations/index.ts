import type { Migration } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { initialMigration } from "./001-initial.js";
import { groupsAndSearchMigration } from "./002-groups-and-search.js";
import { sqliteBatchFtsMigration } from "./003-sqlite-batch-fts.js";
import { nodePresenceMigration } from "./004-node-presence.js";
import { localUserIdsMigration } from "./005-local-user-ids.js";
import { uploadsMigration } from "./006-uploads.js";
import { linkPreviewsMigration } from "./007-link-previews.js";
import { attachmentsMigration } from "./008-attachments.js";
import { strippedImagesMigration } from "./009-stripped-images.js";
import { reactionsMigration } from "./010-reactions.js";
import { repliesThreadsMigration } from "./011-replies-threads.js";
import { mentionsAndPinsMigration } from "./012-mentions-and-pins.js";
import { blocksAndMutesMigration } from "./013-blocks-and-mutes.js";
import { adminApiKeysMigration } from "./014-admin-api-keys.js";
import { webhooksMigration } from "./015-webhooks.js";
import { moderationMigration } from "./016-moderation.js";
import { pushMigration } from "./017-push.js";

/**
 * Every migration, in order. Names sort by their number; never rename or edit one that has
 * shipped: add a new one.
 */
export function allMigrations(dialect: DialectName): Record<string, Migration> {
  return {
    "001-initial": initialMigration(dialect),
    "002-groups-and-search": groupsAndSearchMigration(dialect),
    "003-sqlite-batch-fts": sqliteBatchFtsMigration(dialect),
    "004-node-presence": nodePresenceMigration(dialect),
    "005-local-user-ids": localUserIdsMigration(dialect),
    "006-uploads": uploadsMigration(dialect),
    "007-link-previews": linkPreviewsMigration(),
    "008-attachments": attachmentsMigration(),
    "009-stripped-images": strippedImagesMigration(),
    "010-reactions": reactionsMigration(dialect),
    "011-replies-threads": repliesThreadsMigration(),
    "012-mentions-and-pins": mentionsAndPinsMigration(dialect),
    "013-blocks-and-mutes": blocksAndMutesMigration(dialect),
    "014-admin-api-keys": adminApiKeysMigration(dialect),
    "015-webhooks": webhooksMigration(dialect),
    "016-moderation": moderationMigration(dialect),
    "017-push": pushMigration(dialect),
  };
}
