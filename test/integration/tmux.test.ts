/** The tmux adapter's batched screen read, against a real tmux on a private socket. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Tmux } from "../../src/adapters/tmux.js";
import { waitFor } from "../helpers/proc.js";
import { tmuxServer } from "../helpers/tmux.js";

let server: ReturnType<typeof tmuxServer>;
let tmux: Tmux;
beforeEach(async () => {
  server = tmuxServer();
  tmux = new Tmux(server.socket);
  for (const name of ["s-1", "s-10", "s-2"]) {
    await server.tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "5", `printf 'screen of ${name}\\n'; exec sleep 60`);
  }
  await waitFor(async () => (await server.capture("s-2")).includes("screen of s-2"), "the screens");
});
afterEach(() => server.kill());

describe("Tmux.captureScreens", () => {
  it("reads every screen from one tmux process, each under its exact session", async () => {
    const screens = await tmux.captureScreens(["s-1", "s-10", "s-2"]);
    expect([...screens.keys()]).toEqual(["s-1", "s-10", "s-2"]);
    for (const [name, text] of screens) expect(text.split("\n")[0]).toBe(`screen of ${name}`);
  });

  it("skips sessions that are gone and still reads the others", async () => {
    const screens = await tmux.captureScreens(["gone-1", "s-1", "gone-2", "gone-3", "s-2"], 5);
    expect([...screens.keys()]).toEqual(["s-1", "s-2"]);
    expect(screens.get("s-2")).toMatch(/^screen of s-2\n/);
  });

  it("gives up after a bounded number of tries (no server: nothing read, no error)", async () => {
    await server.kill();
    expect((await tmux.captureScreens(["s-1", "s-2", "s-10"])).size).toBe(0);
  });
});
