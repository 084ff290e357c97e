import type { JSHandle, Locator, Page } from "playwright-core";
import sharp from "sharp";

/** A file as the tests hand it to the page: name, type and bytes. */
export interface TestFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** A PNG of `width`×`height` in one colour, made with sharp (the server's image library). */
export async function png(name: string, width: number, height: number): Promise<TestFile> {
  const buffer = await sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .png()
    .toBuffer();
  return { name, mimeType: "image/png", buffer };
}

export function textFile(name: string, bytes: number): TestFile {
  return { name, mimeType: "text/plain", buffer: Buffer.from("notes ".repeat(Math.ceil(bytes / 6)).slice(0, bytes)) };
}

/** Bytes that are no known type (application/octet-stream), as large as asked. */
export function binaryFile(name: string, bytes: number): TestFile {
  const buffer = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) buffer[i] = (i * 7919) % 251;
  return { name, mimeType: "application/octet-stream", buffer };
}

/**
 * The browser's classes the page functions below use. The tests compile without the DOM
 * library (it clashes with Node's types), so they are named here by what is used of them.
 */
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
  ClipboardEvent: new (type: string, init: object) => object;
  DragEvent: new (type: string, init: object) => object;
}
type PageElement = { dispatchEvent(event: unknown): boolean };

/** A DataTransfer holding the files, made in the page (a handle to pass to evaluate()). */
function transferOf(page: Page, files: TestFile[]): Promise<JSHandle> {
  const wire = files.map((f) => ({ name: f.name, mimeType: f.mimeType, base64: f.buffer.toString("base64") }));
  return page.evaluateHandle((list) => {
    const { DataTransfer, File } = globalThis as unknown as PageGlobals;
    const transfer = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], f.name, { type: f.mimeType }));
    }
    return transfer;
  }, wire);
}

/** Pastes files into an element, as Ctrl+V of a screenshot does (a ClipboardEvent with files). */
export async function pasteFiles(target: Locator, files: TestFile[]): Promise<void> {
  const transfer = await transferOf(target.page(), files);
  await target.evaluate((element, clipboardData) => {
    const { ClipboardEvent } = globalThis as unknown as PageGlobals;
    (element as PageElement).dispatchEvent(new ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true }));
  }, transfer);
}

/** Drags files over an element: dragenter and dragover, then `finish` (drop, dragleave, or nothing yet). */
export async function dragFiles(target: Locator, files: TestFile[], finish: "drop" | "dragleave" | "none"): Promise<void> {
  const transfer = await transferOf(target.page(), files);
  await target.evaluate(
    (element, [dataTransfer, end]) => {
      const { DragEvent } = globalThis as unknown as PageGlobals;
      const fire = (type: string) =>
        (element as PageElement).dispatchEvent(new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true }));
      fire("dragenter");
      fire("dragover");
      if (end !== "none") fire(end);
    },
    [transfer, finish] as const,
  );
}

/** Chooses files with the composer's "Attach files" button, through the browser's file chooser. */
export async function attachFiles(page: Page, files: TestFile[]): Promise<void> {
  const [chooser] = await Promise.all([
    page.waitForEvent("filechooser"),
    page.getByRole("button", { name: "Attach files" }).click(),
  ]);
  await chooser.setFiles(files);
}
