#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): Node starts a CommonJS entry sooner
// than an ES module, and that difference is most of `ao --version`, which is
// answered here. Everything else runs the bundle dist/bin/ao.cjs (scripts/build-cli.mjs)
// through dist/bin/startup.cjs (src/cli/startup.ts): it starts what `ls` asks tmux,
// then runs the bundle with its V8 code cache.
"use strict";
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.on("error", (err) => {
    if (err.code !== "EPIPE") throw err;
  });
  process.stdout.write(`${require("../package.json").version}\n`);
} else {
  const startup = require("../dist/bin/startup.cjs");
  startup.start(argv);
  startup.runBundle(require("node:path").join(__dirname, "..", "dist", "bin", "ao.cjs"));
}
