import type { StorageChange } from "./adapter.js";

/**
 * One line of the file adapter's log: `{"c":[changes]}`. JSON keeps neither bytes nor a
 * patch's `undefined` fields, so both are tagged: a `Uint8Array` is `{"$bytes": base64}`, a
 * patch lists the fields it removes in `unset`, and a stored object that itself has the sole
 * key `$bytes` or `$obj` is wrapped as `{"$obj": object}` so it reads back as it was written.
 */
export interface EncodedWrite {
  /** The line, without its newline. */
  line: string;
  /** The bytes (`Uint8Array`s and converted blobs) it carries, before base64. */
  bytes: number;
}

const TAGS = new Set(["$bytes", "$obj"]);

/** Encodes one write; `blobs` holds the bytes of every `Blob` in it (read beforehand). */
export function encodeWrite(changes: readonly StorageChange[], blobs: ReadonlyMap<Blob, Uint8Array>): EncodedWrite {
  const state = { bytes: 0, blobs };
  const encoded = changes.map((change) => encodeChange(change, state));
  return { line: JSON.stringify({ c: encoded }), bytes: state.bytes };
}

/** Decodes one line; throws on anything a write could not have produced. */
export function decodeWrite(line: string): StorageChange[] {
  const parsed: unknown = JSON.parse(line);
  if (!isPlainObject(parsed) || !Array.isArray(parsed.c)) throw new Error('not a {"c":[...]} object');
  return parsed.c.map(decodeChange);
}

/** Every `Blob` inside the values of `changes`, so that their bytes can be read before encoding. */
export function findBlobs(changes: readonly StorageChange[]): Blob[] {
  const found: Blob[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== "object") return;
    if (typeof Blob !== "undefined" && value instanceof Blob) found.push(value);
    else if (ArrayBuffer.isView(value)) return;
    else if (Array.isArray(value)) for (const item of value) visit(item);
    else for (const item of Object.values(value)) visit(item);
  };
  for (const change of changes) {
    if (change.op === "put") visit(change.value);
    else if (change.op === "patch") visit(change.fields);
  }
  return found;
}

interface EncodeState {
  bytes: number;
  blobs: ReadonlyMap<Blob, Uint8Array>;
}

function encodeChange(change: StorageChange, state: EncodeState): unknown {
  checkChange(change);
  switch (change.op) {
    case "put":
      return { op: "put", key: change.key, value: encodeValue(change.value, state) };
    case "patch": {
      const unset = Object.keys(change.fields).filter((field) => change.fields[field] === undefined);
      const fields = Object.fromEntries(
        Object.entries(change.fields)
          .filter(([, v]) => v !== undefined)
          .map(([field, v]) => [field, encodeValue(v, state)]),
      );
      return unset.length > 0 ? { op: "patch", key: change.key, fields, unset } : { op: "patch", key: change.key, fields };
    }
    case "delete":
      return { op: "delete", key: change.key };
    case "trim":
      return { op: "trim", prefix: change.prefix, keep: change.keep };
    case "deletePrefix":
      return { op: "deletePrefix", prefix: change.prefix };
  }
}

function encodeValue(value: unknown, state: EncodeState): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Uint8Array) return encodeBytes(value, state);
  if (typeof Blob !== "undefined" && value instanceof Blob) {
    const bytes = state.blobs.get(value);
    if (!bytes) throw new Error("file storage: a Blob was not read before encoding");
    return encodeBytes(bytes, state);
  }
  if (Array.isArray(value)) return value.map((item) => encodeValue(item, state));
  // A Date (or anything with toJSON) is stored as JSON.stringify would store it.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return encodeValue(toJSON.call(value), state);
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, encodeValue(v, state)] as const);
  const object = Object.fromEntries(entries);
  const [only] = entries;
  return entries.length === 1 && only && TAGS.has(only[0]) ? { $obj: object } : object;
}

function encodeBytes(bytes: Uint8Array, state: EncodeState): { $bytes: string } {
  state.bytes += bytes.byteLength;
  return { $bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") };
}

function decodeChange(raw: unknown): StorageChange {
  if (!isPlainObject(raw)) throw new Error("a change is not an object");
  let change: StorageChange;
  switch (raw.op) {
    case "put":
      change = { op: "put", key: raw.key as string, value: decodeValue(raw.value) };
      break;
    case "patch": {
      if (!isPlainObject(raw.fields)) throw new Error("a patch has no fields object");
      const fields = decodeEntries(raw.fields);
      const unset = raw.unset ?? [];
      if (!Array.isArray(unset) || !unset.every((field) => typeof field === "string"))
        throw new Error("a patch's unset is not a list of names");
      for (const field of unset)
        Object.defineProperty(fields, field, { value: undefined, enumerable: true, writable: true, configurable: true });
      change = { op: "patch", key: raw.key as string, fields };
      break;
    }
    case "delete":
      change = { op: "delete", key: raw.key as string };
      break;
    case "trim":
      change = { op: "trim", prefix: raw.prefix as string, keep: raw.keep as number };
      break;
    case "deletePrefix":
      change = { op: "deletePrefix", prefix: raw.prefix as string };
      break;
    default:
      throw new Error(`unknown op ${JSON.stringify(raw.op)}`);
  }
  checkChange(change);
  return change;
}

function decodeValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decodeValue);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1) {
    if (keys[0] === "$bytes" && typeof record.$bytes === "string") return new Uint8Array(Buffer.from(record.$bytes, "base64"));
    if (keys[0] === "$obj" && isPlainObject(record.$obj)) return decodeEntries(record.$obj);
  }
  return decodeEntries(record);
}

// fromEntries defines own properties, so a stored "__proto__" key stays a key.
function decodeEntries(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decodeValue(v)]));
}

/** Keys and prefixes are strings and `keep` a count, both when writing and when replaying. */
function checkChange(change: StorageChange): void {
  if (change.op === "trim" || change.op === "deletePrefix") {
    if (typeof change.prefix !== "string") throw new TypeError(`${change.op}: the prefix is not a string`);
    if (change.op === "trim" && !(Number.isSafeInteger(change.keep) && change.keep >= 0))
      throw new RangeError(`trim: keep must be a whole number >= 0 (got ${change.keep})`);
  } else if (typeof change.key !== "string") {
    throw new TypeError(`${change.op}: the key is not a string`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
