import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";

/**
 * Browsers on the origins in ALLOWED_ORIGINS may call the HTTP API (the SDK fetches history
 * and resumes over it); every other origin gets no CORS headers, so browsers refuse it.
 * Without ALLOWED_ORIGINS only the server's own origin is served, which needs no CORS.
 */
export async function installCors(app: FastifyInstance, allowedOrigins: string[]): Promise<void> {
  if (allowedOrigins.length === 0) return;
  await app.register(cors, {
    origin: allowedOrigins.includes("*") ? true : allowedOrigins,
    methods: ["GET", "POST", "PATCH", "DELETE"],
    allowedHeaders: ["authorization", "content-type"],
    maxAge: 600,
  });
}
