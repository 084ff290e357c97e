import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
/** The documents whose TypeScript users copy: each ```ts block must compile as it stands. */
const DOCUMENTS = ["README.md", "packages/client/README.md"];

interface Snippet {
  /** A file name beside the document, so `@chatapp/…` imports resolve to the workspace packages. */
  fileName: string;
  document: string;
  /** The document's line of the snippet's first line (1-based). */
  firstLine: number;
  code: string;
}

function snippets(document: string): Snippet[] {
  const lines = readFileSync(join(root, document), "utf8").split("\n");
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(?:ts|typescript)\s*$/.test(lines[i] ?? "")) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith("```"));
    if (end === -1) throw new Error(`${document}:${i + 1}: a code block that never ends`);
    const code = lines.slice(i + 1, end).join("\n");
    found.push({
      fileName: join(root, document.replace(/[^/]+$/, ""), `__readme_snippet_${i + 1}.ts`),
      document,
      firstLine: i + 2,
      // Without an import or export a snippet is a script, and its top-level await would not compile.
      code: /^\s*(?:import|export)\s/m.test(code) ? code : `${code}\nexport {};\n`,
    });
    i = end;
  }
  return found;
}

/**
 * The snippets as a reader's project would compile them: strict, ES modules, the DOM and Node
 * both available (there are browser and Node examples), the SDK from its TypeScript sources.
 */
const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  customConditions: ["source"],
  lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
  types: ["node"],
  skipLibCheck: true,
};

function typeCheck(all: Snippet[]): string[] {
  const byName = new Map(all.map((s) => [s.fileName, s]));
  const host = ts.createCompilerHost(OPTIONS);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => byName.has(name) || fileExists.call(host, name);
  host.readFile = (name) => byName.get(name)?.code ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const snippet = byName.get(name);
    return snippet ? ts.createSourceFile(name, snippet.code, language) : getSourceFile.call(host, name, language, ...rest);
  };
  const program = ts.createProgram([...byName.keys()], OPTIONS, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const snippet = d.file && byName.get(d.file.fileName);
    if (!d.file || !snippet || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${snippet.document}:${snippet.firstLine + line}: ${message}`;
  });
}

describe("TypeScript in the READMEs", () => {
  it("compiles under strict against the workspace packages", () => {
    const all = DOCUMENTS.flatMap(snippets);
    // The SDK's README has a browser and a Node example at least: finding none means the
    // extraction broke, not that there is nothing to check.
    expect(all.filter((s) => s.document === "packages/client/README.md").length).toBeGreaterThanOrEqual(2);
    expect(typeCheck(all)).toEqual([]);
    // Type-checking the SDK and the protocol's schemas takes about 10 s of CPU alone, and
    // several times that while other suites share the two cores: the deadline is generous.
  }, 120_000);
});
