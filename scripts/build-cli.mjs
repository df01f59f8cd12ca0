#!/usr/bin/env node
// The CLI as users run it, built by esbuild from src/ in two parts:
//
// - dist/bin/ao.cjs: ONE minified CommonJS file with everything the hot paths
//   (`ls`, `status`, `get`, `send`, `kill`…) reach statically from HOT_ROOTS.
//   bin/ao.js require()s it. Node loads a CommonJS file without its ES module
//   loader (resolving, linking, an async job per file, a facade per built-in),
//   which was a third of `ao session ls`'s own start-up.
// - dist/bin/chunks/*.mjs: every other module ao imports lazily (`await
//   import()`: cleanup, spawn, watch, dash, GitHub, config parsing…), as ES
//   modules split into chunks, loaded only when a command reaches them.
//
// A lazy chunk uses the SAME instances of the hot modules it imports (one
// Store, one AoError class for instanceof): the hot file publishes the
// namespaces of those modules on globalThis[Symbol.for("ao.hot")] before
// anything runs, and the chunks' imports of them are rewritten to read that
// registry. A new command file needs no entry here: program.ts imports it
// lazily and it becomes a chunk.
//
// The library (package.json "exports": dist/index.js and its .d.ts) stays tsc's
// output: importers get ESM with types and bundle it themselves.
//
// Writes .build/cli-meta.json (esbuild's metafiles of both parts, not shipped):
// which sources went into which output file; test/e2e/bundle.test.ts reads it.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const outdir = join(root, "dist", "bin");

/** The hot paths: these sources and everything they import statically go into dist/bin/ao.cjs. */
const HOT_ROOTS = ["src/cli/main.ts", "src/cli/program.ts", "src/cli/commands/session.ts", "src/cli/commands/send.ts", "src/index.ts"];

/**
 * Loaded from node_modules at run time rather than bundled: native files, and
 * Ink's optional React DevTools client (see `inkDash`). Ink, React and yoga
 * are bundled into the dash's chunk: loaded from node_modules they are ~120
 * small ES modules, and resolving, reading and linking them took 0.6-0.9 s of
 * the dash's start; bundled, the same code loads in ~0.16 s (2-core machine).
 */
const EXTERNAL = ["react-devtools-core", "*.node"];

/**
 * What Ink's packages do at load that a bundled CLI does not need:
 * - ink/build/devtools.js (imported only when DEV=true) pulls in ws and
 *   react-devtools-core; it becomes a module that fails as a missing package
 *   does, which Ink reports with its own hint.
 * - string-width 8 (Ink's text measure) becomes src/cli/dash/string-width.ts,
 *   which measures the dash's usual text without building Intl.Segmenter and
 *   an emoji regular expression first (~60 ms of the first frame).
 * - Ink 6.8's useInput takes a Ctrl key's name as its input, and a Ctrl key it
 *   has no name for (Ctrl+F1 to F4, an SGR sequence typed in) has none: the
 *   dash crashed on `undefined.startsWith`. Such a key's input becomes "".
 * - yoga's Emscripten loader fetch()es its embedded WebAssembly (a data: URL)
 *   whenever a global fetch exists, which loads Node's whole HTTP client
 *   (undici, ~30 ms). With `fetch` shadowed in that one module it decodes the
 *   same bytes synchronously (its non-browser path).
 */
const inkDash = {
  name: "ao-ink",
  setup(b) {
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) => (args.importer.includes("/node_modules/ink/") ? { path: "ink-devtools", namespace: "ao-stub" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "ao-stub" }, () => ({ contents: 'throw Object.assign(new Error("react-devtools-core is not bundled"), { code: "ERR_MODULE_NOT_FOUND" });', loader: "js" }));
    const fastWidth = join(root, "src/cli/dash/string-width.ts");
    const realWidth = join(root, "node_modules/string-width/index.js");
    b.onResolve({ filter: /^string-width$/ }, async (args) => (args.importer !== fastWidth && (await resolved(b, args)) === realWidth ? { path: fastWidth } : undefined));
    b.onLoad({ filter: /node_modules\/yoga-layout\/dist\/binaries\/yoga-wasm-base64-esm\.js$/ }, async (args) => ({ contents: `var fetch;\n${await readFile(args.path, "utf8")}`, loader: "js" }));
    b.onLoad({ filter: /node_modules\/ink\/build\/hooks\/use-input\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const fixed = source.replaceAll("input = keypress.name;", "input = keypress.name ?? '';");
      if (fixed === source) throw new Error(`${args.path}: the Ctrl-key line this build fixes is gone; check whether Ink still crashes on Ctrl+F1`);
      return { contents: fixed, loader: "js" };
    });
  },
};

const REGISTRY = 'globalThis[Symbol.for("ao.hot")]';
const common = { absWorkingDir: root, bundle: true, platform: "node", target: "node20", minify: process.env.AO_NO_MINIFY !== "1", legalComments: "eof", external: EXTERNAL, metafile: true, logLevel: "warning" };
const rel = (path) => relative(root, path);

/** Resolves an import as esbuild would without this plugin; undefined when esbuild should handle it (a built-in, an external, an error). */
async function resolved(b, args) {
  if (args.pluginData?.aoInner) return undefined;
  const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { aoInner: true } });
  return r.errors.length || r.external ? undefined : r.path;
}

/**
 * The hot part. Its entry loads the registry (once the chunks are known) and
 * then src/cli/main.ts. A dynamic import of a module outside the hot set stays
 * an import() of that module's chunk; `lazy` collects those modules.
 */
function hotPart({ hot, chunkOf, registered }) {
  const lazy = new Set();
  const plugin = {
    name: "ao-hot",
    setup(b) {
      b.onResolve({ filter: /^ao:/ }, (args) => ({ path: args.path, namespace: "ao" }));
      b.onLoad({ filter: /^ao:entry$/, namespace: "ao" }, () => ({ contents: `import "ao:registry";\nimport ${JSON.stringify(join(root, "src/cli/main.ts"))};`, resolveDir: root, loader: "js" }));
      b.onLoad({ filter: /^ao:registry$/, namespace: "ao" }, () => {
        const mods = [...(registered ?? [])];
        const lines = mods.map((m, i) => `import * as m${i} from ${JSON.stringify(join(root, m))};`);
        lines.push(`${REGISTRY} = { ${mods.map((m, i) => `${JSON.stringify(m)}: m${i}`).join(", ")} };`);
        return { contents: lines.join("\n"), resolveDir: root, loader: "js" };
      });
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== "dynamic-import") return undefined;
        const path = await resolved(b, args);
        if (!path || HOT_ROOTS.includes(rel(path)) || hot?.has(rel(path))) return undefined;
        lazy.add(path);
        return { path: chunkOf ? `./${chunkOf.get(path)}` : `lazy:${rel(path)}`, external: true };
      });
    },
  };
  return {
    lazy,
    options: {
      ...common,
      entryPoints: { ao: "ao:entry" },
      outfile: join(outdir, "ao.cjs"),
      format: "cjs",
      // main.ts finds package.json from its own URL; in CommonJS that is the file's.
      define: { "import.meta.url": "__aoUrl" },
      // The chunks are ES modules: their bundled CommonJS packages call require() for Node's own modules, and find it here.
      banner: { js: 'var __aoUrl=require("node:url").pathToFileURL(__filename).href;globalThis.require??=require;' },
      plugins: [plugin],
    },
  };
}

// Pass 1: the hot set (every input of the hot file) and the modules loaded lazily from it.
const probe = hotPart({});
const hot = new Set(Object.keys((await build({ ...probe.options, write: false })).metafile.inputs));

// Pass 2: the lazy chunks. Imports of hot sources read the registry; `registered` collects them.
rmSync(outdir, { recursive: true, force: true });
const registered = new Set();
const redirect = {
  name: "ao-registry",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      const path = await resolved(b, args);
      if (!path || !hot.has(rel(path)) || !rel(path).startsWith("src/")) return undefined;
      registered.add(rel(path));
      return { path: rel(path), namespace: "ao-hot" };
    });
    b.onLoad({ filter: /.*/, namespace: "ao-hot" }, (args) => ({ contents: `module.exports = ${REGISTRY}[${JSON.stringify(args.path)}];`, loader: "js" }));
  },
};
const entries = Object.fromEntries([...probe.lazy].map((path) => [rel(path).replace(/^(src|node_modules)\//, "").replace(/\.[cm]?[jt]sx?$/, "").replace(/[^\w.-]+/g, "-"), path]));
const chunks = await build({
  ...common,
  entryPoints: entries,
  outdir,
  entryNames: "chunks/[name]-[hash]",
  chunkNames: "chunks/[name]-[hash]",
  // .mjs: Node knows the format from the name; for .js it reads the nearest package.json per file.
  outExtension: { ".js": ".mjs" },
  splitting: true,
  format: "esm",
  // React picks its production build at build time, not from NODE_ENV at run time (no other bundled package reads it).
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [redirect, inkDash],
});
const chunkOf = new Map(Object.entries(chunks.metafile.outputs).filter(([, o]) => o.entryPoint).map(([file, o]) => [join(root, o.entryPoint), relative(outdir, join(root, file))]));

// Pass 3: the hot file, with the registry and the chunks' names.
const final = hotPart({ hot, chunkOf, registered });
const main = await build(final.options);
const missing = [...final.lazy].filter((p) => !chunkOf.has(p));
if (missing.length) throw new Error(`lazily imported but not built as a chunk: ${missing.map(rel).join(", ")}`);

// The hot file runs in a vm.Script (src/cli/startup.ts), which has no import() of its own: its
// dynamic imports (of chunks and of node's modules) call the loader that startup.ts passes in.
const hotFile = join(outdir, "ao.cjs");
let hotCode = readFileSync(hotFile, "utf8").replace(/\bimport\(("(?:\.\/chunks\/[\w.-]+\.mjs|node:[\w/]+)")\)/g, "__aoImport($1)");
const stray = /\bimport\([^)]{0,60}/.exec(hotCode);
if (stray) throw new Error(`dist/bin/ao.cjs: an import() the start-up loader does not handle: ${stray[0]}`);
writeFileSync(hotFile, hotCode);

// The start-up file bin/ao.js runs first (src/cli/startup.ts): node's own modules and these class-free
// ones, which are in ao.cjs too as second copies (no class that instanceof would tell apart).
const STARTUP = ["src/cli/startup.ts", "src/adapters/collect.ts", "src/adapters/tmux-listing.ts", "src/config/home.ts"];
const startup = await build({ ...common, entryPoints: [join(root, "src/cli/startup.ts")], outfile: join(outdir, "startup.cjs"), format: "cjs" });
const strays = Object.keys(startup.metafile.inputs).filter((p) => !STARTUP.includes(p));
if (strays.length) throw new Error(`dist/bin/startup.cjs must stay small and class-free; it pulled in: ${strays.join(", ")}`);

// The V8 code cache of the hot file (dist/bin/ao.cjs.cache), from a warm-up run of `ao session ls`
// over an empty dataDir: the bundle's top level, commander and the listing path, compiled.
const warm = mkdtempSync(join(tmpdir(), "ao-build-warm-"));
try {
  writeFileSync(join(warm, "agent-orchestrator.yaml"), `dataDir: ${warm}/data\nworktreeDir: ${warm}/wt\nprojects: {}\n`);
  const env = { PATH: process.env.PATH, HOME: warm, XDG_CACHE_HOME: join(warm, "cache"), AO_CONFIG: join(warm, "agent-orchestrator.yaml"), AO_TMUX_SOCKET: join(warm, "no-server") };
  const code = `process.argv.splice(1, Infinity, "ao", "session", "ls"); require(${JSON.stringify(join(outdir, "startup.cjs"))}).runBundle(${JSON.stringify(hotFile)}, { saveCache: true });`;
  for (let i = 0; i < 2; i++) execFileSync(process.execPath, ["-e", code], { env, stdio: ["ignore", "ignore", "inherit"] }); // the second run has the config cached, as users do
} finally {
  rmSync(warm, { recursive: true, force: true });
}

mkdirSync(join(root, ".build"), { recursive: true });
const meta = { inputs: { ...chunks.metafile.inputs, ...main.metafile.inputs, ...startup.metafile.inputs }, outputs: { ...chunks.metafile.outputs, ...main.metafile.outputs, ...startup.metafile.outputs } };
writeFileSync(join(root, ".build", "cli-meta.json"), JSON.stringify(meta));
