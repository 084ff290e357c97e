/** Saves a loaded file (an object URL) under its name, as a download link would. */
export function saveFile(objectUrl: string, name: string): void {
  const link = document.createElement("a");
  link.href = objectUrl;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
