/**
 * What users run is the esbuild bundle (scripts/build-cli.mjs): bin/ao.js (a
 * CommonJS file) answers `ao --version` itself and loads dist/bin/ao.cjs (one
 * CommonJS file with the hot paths) for everything else; other commands load
 * the chunks (dist/bin/chunks/*.mjs) they need. The bundle's metafile says which sources and packages each chunk holds,
 * so these tests name what must stay out of the hot paths, not chunk names.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runProc } from "../helpers/proc.js";
import { AO_BIN, ROOT, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}
const meta = JSON.parse(readFileSync(join(ROOT, ".build", "cli-meta.json"), "utf8")) as Metafile;

/** The files (relative to the checkout) that `ao args` loads, besides bin/ao.js. */
async function loaded(args: string[]): Promise<string[]> {
  const file = join(s.root, "loaded.txt");
  rmSync(file, { force: true });
  const hook = join(ROOT, "test", "helpers", "record-loads.mjs");
  const r = await runProc(process.execPath, ["--import", hook, AO_BIN, ...args], { cwd: s.root, env: { ...s.env, AO_LOADED_FILE: file } });
  expect(r.code, r.stderr).toBe(0);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean)
    .map((url) => relative(ROOT, fileURLToPath(url)))
    // With --import, Node hands the entry itself (bin/ao.js, CommonJS) to the hooks too.
    .filter((f) => f !== join("test", "helpers", "record-loads.mjs") && f !== join("bin", "ao.js") && f !== "package.json");
}

/** The sources and packages bundled into the given output files. */
function inputsOf(outputs: string[]): { sources: string[]; packages: string[] } {
  const inputs = outputs.flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {}));
  const packages = inputs.filter((i) => i.includes("node_modules/")).map((i) => i.split("node_modules/").pop()!.split("/").slice(0, i.includes("node_modules/@") ? 2 : 1).join("/"));
  return { sources: inputs.filter((i) => i.startsWith("src/")), packages: [...new Set(packages)].sort() };
}

describe("the bundled CLI", () => {
  it("answers --version from bin/ao.js alone, loading no other file", async () => {
    expect(await loaded(["--version"])).toEqual([]);
    const r = await s.ao(["--version"]);
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}\n`);
  });

  it("lists sessions from the bundle only, without GitHub, cleanup, spawn or config-parsing code", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    await s.ao(["session", "ls"]); // the first run after a config change validates it and caches the result
    for (const args of [["session", "ls"], ["session", "ls", "--json"]]) {
      const outputs = await loaded(args);
      // The start-up file (src/cli/startup.ts), then the hot CommonJS bundle, and no chunk.
      expect(outputs, args.join(" ")).toEqual([join("dist", "bin", "startup.cjs"), join("dist", "bin", "ao.cjs")]);
      const { sources, packages } = inputsOf(outputs);
      expect(packages).toEqual(["commander"]);
      expect(sources).toContain("src/core/orchestrator.ts");
      for (const cold of ["src/adapters/github.ts", "src/cli/commands/cleanup.ts", "src/core/cleanup.ts", "src/config/parse.ts", "src/config/schema.ts", "src/core/spawn.ts", "src/core/workspace.ts", "src/cli/dash/run.ts", "src/cli/dash/app.ts", "src/core/watch.ts", "src/core/transcript.ts", "src/core/terminal-text.ts"]) {
        expect(sources, `${args.join(" ")} loads ${cold}`).not.toContain(cold);
      }
    }
  });

  it("bundles each of ao's sources once: a lazy chunk uses the hot file's modules, never a copy", async () => {
    const owners = new Map<string, string[]>();
    const startup = join("dist", "bin", "startup.cjs");
    // The start-up file copies a few modules of plain functions (no class), and nothing else.
    expect(Object.keys(meta.outputs[startup]!.inputs).sort()).toEqual(["src/adapters/collect.ts", "src/adapters/tmux-listing.ts", "src/cli/startup.ts", "src/config/home.ts"]);
    for (const [file, out] of Object.entries(meta.outputs)) {
      if (file === startup) continue;
      for (const input of Object.keys(out.inputs)) if (input.startsWith("src/")) owners.set(input, [...(owners.get(input) ?? []), file]);
    }
    expect(owners.get("src/core/errors.ts")).toEqual([join("dist", "bin", "ao.cjs")]);
    expect(owners.get("src/core/cleanup.ts")?.every((f) => f.startsWith(join("dist", "bin", "chunks") + "/"))).toBe(true);
    expect([...owners].filter(([, files]) => files.length > 1)).toEqual([]);
    // A lazy command works: the spawn chunk's UsageError is the hot file's class, which maps it to exit 2.
    const r = await s.ao(["spawn", "my-app", "--base", "no-such-ref"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^Error: Base ref not found: no-such-ref/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the hot file's V8 code cache (src/cli/startup.ts)", () => {
  const startup = createRequire(import.meta.url)(join(ROOT, "dist", "bin", "startup.cjs")) as typeof import("../../src/cli/startup.js");
  const hot = join(ROOT, "dist", "bin", "ao.cjs");

  it("is taken by this Node for the bundle the build made it from", () => {
    expect(startup.compileBundle(hot).cache).toBe("used");
  });

  it("is not used for another bundle, which is compiled as usual and runs", async () => {
    const dir = join(s.root, "copy", "dist", "bin");
    cpSync(join(ROOT, "dist", "bin"), dir, { recursive: true });
    cpSync(join(ROOT, "package.json"), join(s.root, "copy", "package.json"));
    const cache = readFileSync(join(dir, "ao.cjs.cache"));
    const other = Buffer.from(cache);
    other[other.indexOf(10) + 100] ^= 1; // made from another bundle: its copy of that bundle differs by one bit
    writeFileSync(join(dir, "ao.cjs.cache"), other);
    expect(startup.compileBundle(join(dir, "ao.cjs")).cache).toBe("none");
    const r = await runProc(process.execPath, ["-e", `process.argv.splice(1, Infinity, "ao", "session", "ls", "--json"); require(${JSON.stringify(join(dir, "startup.cjs"))}).runBundle(${JSON.stringify(join(dir, "ao.cjs"))})`], { cwd: s.root, env: s.env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it("is not used for a bundle edited after the build, even by a change of the same length (V8 checks only the length)", async () => {
    const dir = join(s.root, "copy", "dist", "bin");
    cpSync(join(ROOT, "dist", "bin"), dir, { recursive: true });
    cpSync(join(ROOT, "package.json"), join(s.root, "copy", "package.json"));
    const text = readFileSync(join(dir, "ao.cjs"), "utf8");
    const line = "No sessions. (--all includes ended ones)"; // printed by the build's warm-up run: its code is in the cache
    expect(text).toContain(JSON.stringify(line));
    writeFileSync(join(dir, "ao.cjs"), text.replace(JSON.stringify(line), JSON.stringify(line.replace("No sessions. ", "Zero sessions"))));
    expect(readFileSync(join(dir, "ao.cjs")).length).toBe(Buffer.byteLength(text));
    expect(startup.compileBundle(join(dir, "ao.cjs")).cache).toBe("none");
    const r = await runProc(process.execPath, ["-e", `process.argv.splice(1, Infinity, "ao", "session", "ls"); require(${JSON.stringify(join(dir, "startup.cjs"))}).runBundle(${JSON.stringify(join(dir, "ao.cjs"))})`], { cwd: s.root, env: s.env });
    expect(r.stdout).toBe("Zero sessions(--all includes ended ones)\n");
  });
});
