import { Attachment, ErrorBody, UploadParams, UploadQuery } from "@chatapp/protocol";
import multipart from "@fastify/multipart";
import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerToken } from "../../auth/tokens.js";
import { ChatError } from "../../chat/errors.js";
import type { Download, Uploads } from "../../chat/uploads.js";
import { contentDisposition } from "../../lib/file-name.js";
import type { App } from "../app-types.js";
import type { Authenticator } from "../authenticate.js";

/** Form fields besides the file that a request may carry (ignored), and their size. */
const MAX_PARTS = 10;
const MAX_FIELD_BYTES = 1024;

/**
 * Uploads (contract §3): `POST /api/uploads` (multipart, one file part named `file`) and the
 * downloads `GET /api/uploads/:id` and `GET /api/uploads/:id/thumbnail`. Routes only translate:
 * the rules are in chat/uploads.ts. Multipart is parsed as a stream, in this scope only, so
 * neither the 64 KiB JSON limit nor a whole-body buffer applies.
 */
export async function uploadsRoutes(app: App, deps: { uploads: Uploads; authenticate: Authenticator }): Promise<void> {
  const { uploads, authenticate } = deps;
  // The header, or `?token=` for elements that cannot send one (redacted from logs, as on /ws).
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as { token?: unknown } | undefined;
    const token = bearerToken(request.headers.authorization) ?? (typeof query?.token === "string" ? query.token : undefined);
    await authenticate(request, reply, token);
  };

  await app.register(async (scope: App) => {
    await scope.register(multipart, {
      limits: {
        files: 1,
        // One byte over the limit reaches chat/uploads.ts, which answers too_large.
        fileSize: uploads.maxBytes + 1,
        parts: MAX_PARTS,
        fields: MAX_PARTS - 1,
        fieldSize: MAX_FIELD_BYTES,
        headerPairs: 20,
      },
    });

    scope.post(
      "/api/uploads",
      {
        preHandler: guard,
        schema: { querystring: UploadQuery, response: { 201: Attachment, "4xx": ErrorBody } },
      },
      async (request, reply) => {
        if (!request.isMultipart()) throw new ChatError("invalid_request", "send the file as multipart/form-data");
        // What the client has not sent yet is not read after a refusal: the connection closes.
        reply.header("connection", "close");
        const part = await request.file().catch((err: unknown) => {
          // busboy's own refusals (no boundary, a malformed part) carry no status: the form is bad.
          if (typeof (err as { statusCode?: unknown }).statusCode === "number") throw err;
          throw new ChatError("invalid_request", `not a valid multipart form: ${(err as Error).message}`);
        });
        if (!part) throw new ChatError("invalid_request", "no file part: send the file in a part named file");
        if (part.fieldname !== "file") {
          part.file.resume();
          throw new ChatError("invalid_request", `the file part must be named file (got ${JSON.stringify(part.fieldname)})`);
        }
        const attachment = await uploads.upload(request.userId, part.file, part.filename);
        reply.removeHeader("connection");
        return reply.code(201).send(attachment);
      },
    );

    const send = (reply: FastifyReply, file: Download) =>
      reply
        .header("content-type", file.contentType)
        .header("content-length", String(file.size))
        .header("x-content-type-options", "nosniff")
        .header("content-disposition", contentDisposition(file.inline ? "inline" : "attachment", file.name))
        .header("content-security-policy", "default-src 'none'; sandbox")
        .header("cache-control", "private")
        .send(file.body);

    scope.get(
      "/api/uploads/:id",
      { preHandler: guard, schema: { params: UploadParams, querystring: UploadQuery } },
      async (request, reply) => send(reply, await uploads.download(request.userId, request.params.id, "file")),
    );
    scope.get(
      "/api/uploads/:id/thumbnail",
      { preHandler: guard, schema: { params: UploadParams, querystring: UploadQuery } },
      async (request, reply) => send(reply, await uploads.download(request.userId, request.params.id, "thumbnail")),
    );
  });
}
