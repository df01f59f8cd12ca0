// Preloaded with `node --import`: appends to $AO_LOADED_FILE the URL of every
// module the process loads, so a test can tell which code a command pays for.
// ES modules as they load (hooks: record-loads-hooks.mjs); CommonJS files (the
// bundle users run, dist/bin/ao.cjs, is one) from the require cache at exit.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const file = process.env.AO_LOADED_FILE;
if (file) {
  register("./record-loads-hooks.mjs", import.meta.url, { data: file });
  const cache = createRequire(import.meta.url).cache;
  process.on("exit", () => appendFileSync(file, Object.keys(cache).map((f) => `${pathToFileURL(f).href}\n`).join("")));
}
