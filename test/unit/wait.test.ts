import { describe, expect, it } from "vitest";
import type { Tmux } from "../../src/adapters/tmux.js";
import { prepareWait } from "../../src/core/wait.js";
import { DEMO_STATUS } from "../../scripts/demo-config.mjs";

describe("prepareWait", () => {
  it("reads the turn's output again when the visible screen, read later, says it is over", async () => {
    // The scrollback is read, then (once it is still) the visible screen; the turn's last lines land in between.
    const working = "You said (1 line, 8 bytes):\n| /sleep 1\nWorking (esc to interrupt) .\n";
    let histories = 0;
    let shownDone = false;
    const fake = {
      captureHistory: async () => (histories++ === 0 ? "" : shownDone ? `${working}Done.\n> \n` : working),
      capture: async () => {
        if (histories < 5) return "Working (esc to interrupt) .\n";
        shownDone = true; // the agent finished between the scrollback read and this one
        return "Done.\n> \n";
      },
    } as unknown as Tmux;
    let clock = 0;
    const wait = await prepareWait({ now: () => (clock += 200) }, fake, "ma-1", { status: { waiting: [DEMO_STATUS.waiting], working: [DEMO_STATUS.working], idle: [DEMO_STATUS.idle] } });
    const turn = await wait(60_000, 1);
    expect(turn.status).toBe("idle");
    expect(turn.output).toBe("You said (1 line, 8 bytes):\n| /sleep 1\nWorking (esc to interrupt) .\nDone.");
  });
});
