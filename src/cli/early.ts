/**
 * What bin/ao.js runs before it loads the CLI bundle: for `ao session ls` and
 * `ao status`, the one `tmux list-panes -a` they need is started now, so tmux
 * answers while Node compiles and runs ao (~15 ms at 200 sessions on a 2-core
 * machine, most of a listing's time over bare node). Built as its own small file
 * (dist/bin/early.cjs) by scripts/build-cli.mjs.
 *
 * The server is the one AO_TMUX_SOCKET names, else tmux's default: the config is
 * not read yet. A config that sets `tmux.socket` (with no AO_TMUX_SOCKET) lists
 * another server, and this listing goes unused.
 */
import { expandTilde, home } from "../config/home.js";
import { startEarly } from "../adapters/tmux-listing.js";

export function start(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const listing = (argv[0] === "session" && argv[1] === "ls") || argv[0] === "status";
  if (!listing || argv.includes("--help") || argv.includes("-h")) return;
  startEarly(env.AO_TMUX_SOCKET ? expandTilde(env.AO_TMUX_SOCKET, home(env)) : undefined, env);
}
