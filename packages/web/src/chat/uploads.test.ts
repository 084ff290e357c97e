import { type ChatClient, ChatClientError, type UploadOptions } from "@chatapp/client";
import type { Attachment } from "@chatapp/protocol";
import { describe, expect, it, vi } from "vitest";
import { type ChatState, initialState } from "./chat-state.js";
import { Outbox } from "./outbox.js";
import { Store } from "./store.js";
import { UploadFailed, Uploads } from "./uploads.js";

interface Call {
  file: Blob;
  options: UploadOptions;
  resolve: (a: Attachment) => void;
  reject: (err: unknown) => void;
}

/** A client whose uploads wait until the test answers them; sends are recorded and acked. */
function fakeClient() {
  const calls: Call[] = [];
  const sends: { content: string; attachments: unknown }[] = [];
  const client = {
    upload: (file: Blob, options: UploadOptions) =>
      new Promise<Attachment>((resolve, reject) => {
        calls.push({ file, options, resolve, reject });
        options.signal?.addEventListener("abort", () => reject(new ChatClientError("cancelled", "upload cancelled")));
      }),
    send: (_target: unknown, content: string, options: { attachments?: unknown }) => {
      sends.push({ content, attachments: options.attachments });
      return Promise.resolve({});
    },
  };
  return { client: client as unknown as ChatClient, calls, sends };
}

const attachment = (id: number): Attachment => ({
  id,
  url: `/api/uploads/${id}`,
  name: "a.txt",
  content_type: "text/plain",
  size: 3,
});
const file = (name = "a.txt") => new File(["abc"], name);

function setup() {
  const fake = fakeClient();
  const store = new Store<ChatState>(initialState({ id: 1, username: "me", display_name: "Me", bot: false }));
  const uploads = new Uploads(fake.client, store);
  const outbox = new Outbox(fake.client, store, uploads);
  const state = (key: string) => store.get().uploads.get(key);
  return { ...fake, store, uploads, outbox, state };
}

describe("Uploads", () => {
  it("starts at once and shows progress, then the attachment", async () => {
    const { uploads, calls, state } = setup();
    const key = uploads.start(file());
    expect(state(key)).toMatchObject({ name: "a.txt", size: 3, loaded: 0, status: "uploading" });
    calls[0]?.options.onProgress?.({ loaded: 2, total: 3 });
    expect(state(key)?.loaded).toBe(2);
    calls[0]?.resolve(attachment(5));
    await expect.poll(() => state(key)?.status).toBe("done");
    expect(state(key)?.attachment?.id).toBe(5);
  });

  it("cancel aborts the request and forgets the upload", () => {
    const { uploads, calls, state } = setup();
    const key = uploads.start(file());
    uploads.cancel(key);
    expect(calls[0]?.options.signal?.aborted).toBe(true);
    expect(state(key)).toBeUndefined();
  });

  it("waits for the connection after a network failure, and starts again when it is back", async () => {
    const { uploads, calls, state } = setup();
    const key = uploads.start(file());
    calls[0]?.reject(new ChatClientError("network", "upload failed: network error"));
    await expect.poll(() => state(key)?.status).toBe("waiting");
    uploads.resume();
    expect(calls).toHaveLength(2);
    expect(state(key)?.status).toBe("uploading");
  });

  it("starts again by itself after a network failure while the socket stayed open", async () => {
    vi.useFakeTimers();
    try {
      const { uploads, calls, state, store } = setup();
      store.update((s) => ({ ...s, connection: "open" }));
      const key = uploads.start(file());
      calls[0]?.reject(new ChatClientError("network", "upload failed: network error"));
      await vi.waitFor(() => expect(state(key)?.status).toBe("waiting"));
      await vi.advanceTimersByTimeAsync(3000);
      expect(calls).toHaveLength(2);
      expect(state(key)?.status).toBe("uploading");
    } finally {
      vi.useRealTimers();
    }
  });

  it("fails for good on a refusal, with the reason in words", async () => {
    const { uploads, calls, state } = setup();
    const key = uploads.start(file());
    calls[0]?.reject(new ChatClientError("too_large", "the file is larger than 1048576 bytes (UPLOAD_MAX_BYTES)"));
    await expect.poll(() => state(key)?.status).toBe("failed");
    expect(state(key)?.error).toBe("too large (max 1 MB)");
    await expect(uploads.whenDone([key])).rejects.toBeInstanceOf(UploadFailed);
  });
});

describe("Outbox with files", () => {
  it("keeps the message pending until every file is uploaded, then sends their ids", async () => {
    const { outbox, uploads, calls, sends, store } = setup();
    const keys = [uploads.start(file("a.txt")), uploads.start(file("b.txt"))];
    outbox.send(7, "", keys);
    calls[1]?.resolve(attachment(2));
    await Promise.resolve();
    expect(sends).toEqual([]);
    calls[0]?.resolve(attachment(1));
    await expect.poll(() => sends).toHaveLength(1);
    expect(sends[0]?.attachments).toEqual([attachment(1), attachment(2)]);
    // Acked: the bubble and the uploads are done with.
    await expect.poll(() => store.get().pending).toHaveLength(0);
    expect(store.get().uploads.size).toBe(0);
  });

  it("a failed upload fails the message; retry uploads it again and sends", async () => {
    const { outbox, uploads, calls, sends, store } = setup();
    const key = uploads.start(file());
    outbox.send(7, "look", [key]);
    calls[0]?.reject(new ChatClientError("rate_limited", "slow down"));
    await expect.poll(() => store.get().pending[0]?.error).toBe("Not sent: a.txt: too many uploads at once, try again shortly");
    outbox.retry(store.get().pending[0]?.clientId ?? "");
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(attachment(9));
    await expect.poll(() => sends).toHaveLength(1);
    expect(sends[0]?.content).toBe("look");
  });

  it("discard cancels the uploads and sends nothing", async () => {
    const { outbox, uploads, calls, sends, store } = setup();
    const key = uploads.start(file());
    outbox.send(7, "", [key]);
    outbox.discard(store.get().pending[0]?.clientId ?? "");
    expect(calls[0]?.options.signal?.aborted).toBe(true);
    expect(store.get().pending).toHaveLength(0);
    expect(store.get().uploads.size).toBe(0);
    expect(sends).toEqual([]);
  });
});
