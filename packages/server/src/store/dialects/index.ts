import type { DatabaseConfig } from "../../config.js";
import type { DialectAdapter, DialectName } from "./adapter.js";
import { mysqlAdapter } from "./mysql.js";
import { postgresAdapter } from "./postgres.js";
import { sqliteAdapter } from "./sqlite.js";

export type { CursorMove, CursorRow, DialectAdapter, DialectName } from "./adapter.js";
export { isConnectionError } from "./connection-errors.js";

/** Every dialect by name: a new one is a new file here plus one line. */
const ADAPTERS: { [N in DialectName]: DialectAdapter<N> } = {
  sqlite: sqliteAdapter,
  mysql: mysqlAdapter,
  postgres: postgresAdapter,
};

/**
 * The adapter for a configuration. It is picked by `config.dialect`, so it is only ever handed
 * its own kind of configuration; the cast widens its methods to take any.
 */
export function adapterFor(config: DatabaseConfig): DialectAdapter {
  return ADAPTERS[config.dialect] as DialectAdapter<any> as DialectAdapter;
}
