import { illFormedTextAt } from "@chatapp/protocol";
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { FastifyInstance, FastifySchemaCompiler } from "fastify";
import { sendError } from "./errors.js";

// TypeBox checks only the formats it is told about.
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set(
    "date-time",
    (value) => /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value)),
  );
}

/**
 * Query strings and path parameters arrive as text: a value becomes a number only when it is
 * one exactly ("2.5" stays text for an integer field, and fails, as the original answered).
 */
function fromText(schema: TSchema, value: unknown): unknown {
  if (typeof value !== "object" || value === null || schema.type !== "object") return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, prop] of Object.entries((schema.properties ?? {}) as Record<string, TSchema>)) {
    const raw = out[key];
    if (typeof raw !== "string") continue;
    if (
      prop.type === "integer" ? /^-?\d+$/.test(raw) : prop.type === "number" && raw.trim() !== "" && Number.isFinite(Number(raw))
    ) {
      out[key] = Number(raw);
    }
  }
  return out;
}

/**
 * Requests are validated by TypeBox itself (one schema library, compiled once per route):
 * JSON bodies strictly as sent (`{"content": 5}` is a 400, not the string "5"), query
 * strings and path parameters converted from text first.
 */
const compile: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => {
    const input = httpPart === "body" ? value : fromText(schema, value);
    if (check.Check(input)) return { value: input };
    return { error: [...check.Errors(input)].slice(0, 5).map((e) => ({ message: e.message, instancePath: e.path })) as any };
  };
};

export function installValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(compile);
  // Every route, before its schema: no string of the body, query or path (keys included) may
  // hold a lone UTF-16 surrogate. The drivers store such text altered, so it would no longer
  // equal itself (a client_id that never matches its first send again: issue 12).
  app.addHook("preValidation", async (request, reply) => {
    for (const [part, value] of [
      ["body", request.body],
      ["query", request.query],
      ["params", request.params],
    ] as const) {
      const at = illFormedTextAt(value);
      if (at !== undefined) {
        return sendError(reply, "invalid_request", `${part} ${at}: text must be well-formed Unicode (no lone surrogates)`);
      }
    }
  });
}
