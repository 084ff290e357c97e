import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

/** What an operator reads: Prometheus metrics and the OpenAPI description. */
describeEachDialect(
  "operations endpoints",
  (dialect) => {
    const suite = useSuite(dialect);

    const scrape = async (): Promise<string> => {
      const res = await fetch(`${suite().server.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      return res.text();
    };
    const value = (text: string, series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
    };

    it("/metrics counts connections, frames by type, stored messages, deliveries, errors and event-loop lag", async () => {
      const alice = await suite().connect(1501);
      const bob = await suite().connect(1502);
      alice.send({ type: "send", receiver_id: 1502, content: "counted", client_id: "m1" });
      await bob.next((f) => f.type === "message");
      alice.send({ type: "send", receiver_id: 1502, content: "", client_id: "m2" });
      await alice.next((f) => f.type === "error");

      const text = await scrape();
      expect(value(text, "chatapp_connections")).toBeGreaterThanOrEqual(2);
      expect(value(text, "chatapp_users_online")).toBeGreaterThanOrEqual(2);
      expect(value(text, 'chatapp_frames_in_total{type="send"}')).toBeGreaterThanOrEqual(2);
      expect(value(text, 'chatapp_frames_out_total{type="message"}')).toBeGreaterThanOrEqual(1);
      expect(value(text, 'chatapp_frames_out_total{type="ack"}')).toBeGreaterThanOrEqual(1);
      expect(value(text, "chatapp_messages_stored_total")).toBeGreaterThanOrEqual(1);
      expect(value(text, "chatapp_store_batch_size_count")).toBeGreaterThanOrEqual(1);
      expect(value(text, "chatapp_delivery_latency_seconds_count")).toBeGreaterThanOrEqual(1);
      expect(value(text, 'chatapp_errors_total{code="invalid_frame"}')).toBeGreaterThanOrEqual(1);
      expect(text).toContain("nodejs_eventloop_lag_seconds");
      expect(text).toContain("chatapp_broker_published_total");
      await alice.close();
      await bob.close();
    });

    it("/docs describes the HTTP API in OpenAPI 3, from the schemas that validate requests", async () => {
      const res = await fetch(`${suite().server.url}/docs/json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, any> };
      expect(doc.openapi).toMatch(/^3\./);
      for (const path of [
        "/api/auth/register",
        "/api/auth/login",
        "/api/conversations",
        "/api/messages/history",
        "/api/search",
        "/api/blocks",
        "/api/blocks/{user_id}",
        "/api/conversations/{id}/mute",
      ]) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
      const register = doc.paths["/api/auth/register"].post;
      expect(register.requestBody.content["application/json"].schema.required).toEqual(
        expect.arrayContaining(["username", "password"]),
      );
      expect(Object.keys(doc.paths)).not.toContain("/metrics");
      const page = await fetch(`${suite().server.url}/docs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("swagger");
    });
  },
  { only: ["sqlite"] },
);
