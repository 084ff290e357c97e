import { afterEach, describe, expect, it, vi } from "vitest";
import { SendQueue } from "./send-queue.js";

const timeoutError = () => new Error("timeout");

describe("SendQueue", () => {
  afterEach(() => vi.useRealTimers());

  const add = (q: SendQueue<string>, clientId: string) => {
    const settled: { value?: string; error?: Error } = {};
    q.add({
      clientId,
      frame: `{"client_id":"${clientId}"}`,
      resolve: (v) => (settled.value = v),
      reject: (e) => (settled.error = e),
    });
    return settled;
  };

  it("keeps unacknowledged sends in the order they were made, for resending", () => {
    const q = new SendQueue<string>(0, timeoutError);
    add(q, "a");
    add(q, "b");
    add(q, "c");
    q.resolve("b", "ack-b");
    expect(q.all().map((e) => e.clientId)).toEqual(["a", "c"]);
    expect(q.all()[0]?.frame).toBe('{"client_id":"a"}');
  });

  it("settles each send once: a second ack finds nothing", () => {
    const q = new SendQueue<string>(0, timeoutError);
    const a = add(q, "a");
    expect(q.resolve("a", "first")).toBe(true);
    expect(q.resolve("a", "second")).toBe(false);
    expect(a.value).toBe("first");
    expect(q.size).toBe(0);
  });

  it("rejects a send that is not acknowledged in time, and forgets it", () => {
    vi.useFakeTimers();
    const q = new SendQueue<string>(1000, timeoutError);
    const a = add(q, "a");
    const b = add(q, "b");
    q.resolve("b", "ok");
    vi.advanceTimersByTime(1001);
    expect(a.error?.message).toBe("timeout");
    expect(b.value).toBe("ok");
    expect(b.error).toBeUndefined();
    expect(q.size).toBe(0);
  });

  it("rejects everything on close", () => {
    const q = new SendQueue<string>(0, timeoutError);
    const a = add(q, "a");
    const b = add(q, "b");
    q.rejectAll(new Error("closed"));
    expect([a.error?.message, b.error?.message]).toEqual(["closed", "closed"]);
  });

  it("clears a pending resend timer when the send settles", () => {
    vi.useFakeTimers();
    const q = new SendQueue<string>(0, timeoutError);
    add(q, "a");
    let resent = false;
    const entry = q.get("a");
    if (entry) entry.retryTimer = setTimeout(() => (resent = true), 100);
    q.resolve("a", "ok");
    vi.advanceTimersByTime(200);
    expect(resent).toBe(false);
  });
});
