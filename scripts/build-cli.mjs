#!/usr/bin/env node
// The CLI as users run it: src/cli/main.ts bundled and minified by esbuild into
// dist/bin/ao.mjs, with every `await import()` of ao's own code split into chunks
// (dist/bin/chunks/) that load only when a command reaches them. A new command
// file needs no entry here: program.ts imports it lazily, and esbuild gives it
// its own chunk. Node's ESM loader resolving and compiling ~100 small modules
// was most of `ao session ls`'s start-up; a few minified files are not.
//
// The library (package.json "exports": dist/index.js and its .d.ts) stays tsc's
// output: importers get ESM with types and bundle it themselves.
//
// Writes .build/cli-meta.json (esbuild's metafile, not shipped): which sources
// went into which output file; test/e2e/bundle.test.ts reads it.
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const outdir = join(root, "dist", "bin");

/**
 * Loaded from node_modules at run time rather than bundled: packages that may
 * use top-level await, WebAssembly or native files (ink's layout engine, yoga,
 * is WebAssembly), or that look for their own files next to their code. They
 * are runtime dependencies, so they are installed wherever ao is.
 */
const EXTERNAL = ["ink", "ink-*", "react", "react/*", "react-dom", "react-devtools-core", "yoga-layout", "yoga-layout/*", "yoga-wasm-web", "*.node", "*.wasm"];

/**
 * The hot paths (`ls`, `status`, `get`, `send`): these sources and everything
 * they import statically are bundled into ONE chunk. Left to itself, esbuild
 * puts each set of modules shared by a different set of lazy imports into its
 * own chunk, and `ls` loaded 21 files; each costs Node's loader ~0.6 ms.
 */
const HOT = ["src/cli/program.ts", "src/cli/commands/session.ts", "src/cli/commands/send.ts", "src/index.ts"];

const ENTRY = "src/cli/main.ts";
/**
 * Bundled CommonJS packages (commander, simple-git) call require() for Node's
 * own modules, and ESM has none: the entry makes one, once, before any chunk
 * loads (esbuild's require shim looks for a global one when called). A banner
 * would make one per output file, each paying for createRequire and import.meta.
 */
const REQUIRE = 'import{createRequire as __aoRequire}from"node:module";globalThis.require??=__aoRequire(import.meta.url);';

const options = {
  absWorkingDir: root,
  entryPoints: { ao: ENTRY },
  outdir,
  chunkNames: "chunks/[name]-[hash]",
  // .mjs: Node knows the format from the name; for .js it reads the nearest package.json per file.
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "eof",
  external: EXTERNAL,
  metafile: true,
  logLevel: "warning",
};

// Pass 1: which of ao's sources are loaded lazily (targets of `await import()`).
const graph = (await build({ ...options, write: false })).metafile;
const lazy = new Set(Object.values(graph.inputs).flatMap((i) => i.imports.filter((m) => m.kind === "dynamic-import" && m.path.startsWith("src/")).map((m) => m.path)));

/**
 * Pass 2: every lazily loaded source of ao's first imports a hub of the hot
 * sources. Every hot module is then reached from the same set of lazy imports,
 * and esbuild gives them all one chunk. The hub adds nothing to run: a lazy
 * module is only ever loaded after program.ts, which has loaded the hot ones.
 * main.ts does not import it, so `ao --version` still loads one file.
 */
const hub = {
  name: "ao-hot-hub",
  setup(b) {
    b.onResolve({ filter: /^ao:hot$/ }, () => ({ path: "hot", namespace: "ao" }));
    b.onLoad({ filter: /.*/, namespace: "ao" }, () => ({ contents: HOT.map((f) => `import ${JSON.stringify(join(root, f))};`).join("\n"), resolveDir: root, loader: "js" }));
    b.onLoad({ filter: /\.tsx?$/ }, (args) => {
      const file = args.path.slice(root.length + 1);
      if (file === ENTRY) return { contents: `${REQUIRE}\n${readFileSync(args.path, "utf8")}`, loader: "ts" };
      if (!lazy.has(file)) return undefined;
      return { contents: `import "ao:hot";\n${readFileSync(args.path, "utf8")}`, loader: file.endsWith("x") ? "tsx" : "ts" };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({ ...options, plugins: [hub] });
mkdirSync(join(root, ".build"), { recursive: true });
writeFileSync(join(root, ".build", "cli-meta.json"), JSON.stringify(result.metafile));
