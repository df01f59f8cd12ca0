/**
 * The CLI entry and its one error boundary: commands throw, this maps errors to
 * exit codes (0 ok, 1 error, 2 usage). `ao --version` is answered before any
 * other module loads.
 */
import { readFileSync } from "node:fs";
import { dropEarly } from "../adapters/tmux-listing.js";

const argv = process.argv.slice(2);

// `ao … | head` closes stdout early: that is the reader being done, not an error to print a stack for.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(process.exitCode ?? 0);
  });
}

function version(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else {
  // No top-level await: the bundle that runs this is a CommonJS file (scripts/build-cli.mjs).
  void import("./program.js").then(async ({ runCli }) => {
    process.exitCode = await runCli(argv, version());
    dropEarly(); // bin/ao.js's early tmux listing, when this command did not use it
    // The command is done: exit once what it printed has left the process, without Node's teardown
    // of the environment and heap (~7 ms of a 200-session ls) or a wait on handles nothing needs.
    process.stdout.write("", () => process.stderr.write("", () => process.exit()));
  });
}
