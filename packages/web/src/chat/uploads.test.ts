import { type ChatClient, ChatClientError, type UploadOptions } from "@chatapp/client";
import type { Attachment } from "@chatapp/protocol";
import { describe, expect, it, vi } from "vitest";
import { type ChatState, initialState } from "./chat-state.js";
import { Outbox } from "./outbox.js";
import { Store } from "./store.js";
import { Uploads } from "./uploads.js";

interface Call {
  file: Blob;
  options: UploadOptions;
  resolve: (a: Attachment) => void;
  reject: (err: unknown) => void;
}

/** A client whose uploads wait until the test answers them; sends are recorded and acked (or refused once). */
function fakeClient() {
  const calls: Call[] = [];
  const sends: { content: string; attachments: unknown }[] = [];
  let refusal: unknown;
  const client = {
    upload: (file: Blob, options: UploadOptions) =>
      new Promise<Attachment>((resolve, reject) => {
        calls.push({ file, options, resolve, reject });
        options.signal?.addEventListener("abort", () => reject(new ChatClientError("cancelled", "upload cancelled")));
      }),
    send: (_target: unknown, content: string, options: { attachments?: unknown }) => {
      sends.push({ content, attachments: options.attachments });
      const refused = refusal;
      refusal = undefined;
      return refused === undefined ? Promise.resolve({}) : Promise.reject(refused);
    },
  };
  const refuseNext = (err: unknown) => {
    refusal = err;
  };
  return { client: client as unknown as ChatClient, calls, sends, refuseNext };
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
  const outbox = new Outbox(fake.client, store);
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
  });
});

describe("Outbox with files", () => {
  it("hands over uploaded files as attachments and the others as files, stopping their draft uploads", async () => {
    const { uploads, calls, store } = setup();
    const a = file("a.txt");
    const keys = [uploads.start(a), uploads.start(file("b.txt"))];
    calls[1]?.resolve(attachment(2));
    await expect.poll(() => store.get().uploads.get(keys[1] ?? "")?.status).toBe("done");
    expect(uploads.handOver(keys)).toEqual([a, attachment(2)]);
    expect(calls[0]?.options.signal?.aborted).toBe(true);
    expect(store.get().uploads.size).toBe(0);
  });

  it("shows the files and the SDK's upload progress on the pending bubble, which goes once acked", async () => {
    const { outbox, sends, store } = setup();
    outbox.start();
    const a = file("a.txt");
    outbox.send(7, "look", [attachment(1), a]);
    const [pending] = store.get().pending;
    expect(pending?.files).toEqual([
      { name: "a.txt", size: 3, uploaded: true },
      { name: "a.txt", size: 3, uploaded: false },
    ]);
    outbox.progress(pending?.clientId ?? "", 2, 3);
    expect(store.get().pending[0]?.progress).toEqual({ loaded: 2, total: 3 });
    await expect.poll(() => sends).toHaveLength(1);
    expect(sends[0]?.attachments).toEqual([attachment(1), a]);
    await expect.poll(() => store.get().pending).toHaveLength(0);
  });

  it("a file the server refuses fails the message, naming it; retry sends the same files again", async () => {
    const { outbox, sends, store, refuseNext } = setup();
    outbox.start();
    refuseNext(new ChatClientError("too_large", "the file is larger than 1048576 bytes (UPLOAD_MAX_BYTES)"));
    const big = file("big.bin");
    outbox.send(7, "with it", [big]);
    await expect.poll(() => store.get().pending[0]?.error).toBe("Not sent: big.bin: too large (max 1 MB)");
    outbox.retry(store.get().pending[0]?.clientId ?? "");
    await expect.poll(() => sends).toHaveLength(2);
    expect(sends[1]?.attachments).toEqual([big]);
  });

  it("sends nothing before the client has started; a message discarded meanwhile never goes", async () => {
    const { outbox, sends, store } = setup();
    outbox.send(7, "early");
    outbox.send(7, "discarded");
    outbox.discard(store.get().pending[1]?.clientId ?? "");
    await Promise.resolve();
    expect(sends).toEqual([]);
    outbox.start();
    await expect.poll(() => sends.map((s) => s.content)).toEqual(["early"]);
  });
});
