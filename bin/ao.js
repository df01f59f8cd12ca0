#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): Node starts a CommonJS entry sooner
// than an ES module, and that difference is most of `ao --version`, which is
// answered here. Everything else runs the bundle: dist/bin/ao.cjs (scripts/build-cli.mjs),
// after dist/bin/early.cjs has started what `ls` asks tmux (src/cli/early.ts).
"use strict";
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.on("error", (err) => {
    if (err.code !== "EPIPE") throw err;
  });
  process.stdout.write(`${require("../package.json").version}\n`);
} else {
  require("../dist/bin/early.cjs").start(argv);
  require("../dist/bin/ao.cjs");
}
