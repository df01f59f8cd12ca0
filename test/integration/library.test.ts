/** The library API through the public export, against real git and tmux. */
import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AoError, openOrchestrator, type Orchestrator } from "../../src/index.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, sandbox, type Sandbox } from "../helpers/sandbox.js";

let s: Sandbox;
let ao: Orchestrator;
beforeEach(async () => {
  s = await sandbox();
  ao = await openOrchestrator({ env: s.env, cwd: s.root });
});
afterEach(async () => {
  await s.cleanup();
});

describe("openOrchestrator", () => {
  it("spawns, lists, sends, kills and restores like the CLI", async () => {
    const warnings: string[] = [];
    const { session } = await ao.spawn({ project: "my-app", issue: "LIB-1", title: "From a script" }, { warn: (m) => warnings.push(m) });
    expect(session).toMatchObject({ name: "ma-lib-1", branch: "lib-1-from-a-script", status: "working", schemaVersion: 1 });
    expect(warnings).toEqual([]);
    await agentReady(s, session.name);

    const { sessions, errors } = await ao.list();
    expect(errors).toEqual([]);
    expect(sessions.map((v) => [v.name, v.storedStatus])).toEqual([["ma-lib-1", "working"]]);

    await ao.send("ma-lib", "hello from a script");
    await waitFor(() => s.received(session.name).some((e) => e.text === "hello from a script"), "message");

    await s.tmux.tmux("kill-session", "-t", "=ma-lib-1");
    expect((await ao.get("ma-lib-1")).status).toBe("dead");
    const restored = await ao.restore("ma-lib-1");
    expect(restored.status).toBe("working");

    const killed = await ao.kill("ma-lib-1");
    expect(killed.session.status).toBe("killed");
    expect(killed.savedRef).toBeUndefined();
    expect(existsSync(session.workspacePath)).toBe(false);
  });

  it("throws typed errors a script can act on", async () => {
    await expect(ao.get("nothing")).rejects.toBeInstanceOf(AoError);
    await expect(ao.list({ project: "nope" })).rejects.toThrow("Unknown project: nope");
    await expect(ao.spawn({ project: "my-app", issue: "a b" })).rejects.toMatchObject({ exitCode: 2 });
  });
});
