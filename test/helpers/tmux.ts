import { rmSync } from "node:fs";
import { join } from "node:path";
import { runProc } from "./proc.js";

/** Where tmux puts a -L socket (TMUX_TMPDIR, else /tmp: tmux ignores TMPDIR); kill-server leaves the file behind. */
export function socketPath(name: string): string {
  return join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid!()}`, name);
}

let counter = 0;

/** A private tmux server (-L NAME); never the user's default one. */
export function tmuxServer() {
  const socket = `ao-test-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const tmux = (...args: string[]) => runProc("tmux", ["-L", socket, ...args]);
  return {
    socket,
    tmux,
    async capture(session: string): Promise<string> {
      return (await tmux("capture-pane", "-p", "-J", "-S", "-", "-t", `=${session}:`)).stdout;
    },
    async sessions(): Promise<string[]> {
      const r = await tmux("list-sessions", "-F", "#{session_name}");
      return r.code === 0 ? r.stdout.split("\n").filter(Boolean) : [];
    },
    async kill(): Promise<void> {
      await tmux("kill-server");
      rmSync(socketPath(socket), { force: true });
    },
  };
}
