/** Store.named: one exact name read from its own file in each project, as resolve() asks. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Store } from "../../src/adapters/store.js";
import { sessionRecord as record } from "../helpers/record.js";


let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ao-store-"));
  store = new Store(dir);
  for (const name of ["ma-1", "ma-10", "ma-2"]) store.write(record({ name, tmuxSession: name }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("Store.named", () => {
  it("reads the one record of that name, not its prefix matches", () => {
    expect(store.named("ma-1")).toEqual({ records: [record()], errors: [] });
    expect(store.named("ma-3")).toEqual({ records: [], errors: [] });
  });

  it("finds the name in every project and reports a damaged file of that name", () => {
    store.write(record({ project: "other" }));
    mkdirSync(join(dir, "projects", "third", "sessions"), { recursive: true });
    writeFileSync(join(dir, "projects", "third", "sessions", "ma-1.json"), "{ not json");
    const found = store.named("ma-1")!;
    expect(found.records.map((r) => r.project).sort()).toEqual(["my-app", "other"]);
    expect(found.errors).toEqual([expect.objectContaining({ project: "third", name: "ma-1", file: join(dir, "projects", "third", "sessions", "ma-1.json") })]);
  });

  it("declines what cannot be a session's file name (so nothing outside sessions/ is read)", () => {
    writeFileSync(join(dir, "projects", "my-app", "x.json"), JSON.stringify(record({ name: "x" })));
    for (const name of ["../x", "..", "a/b", "", ".hidden"]) expect(store.named(name)).toBeUndefined();
  });
});

describe("Store.cacheRecords (the dash's listing every second)", () => {
  it("lists exactly what an uncached store lists, also after a record is rewritten, damaged or removed (once the change is notified)", async () => {
    const cached = new Store(dir);
    cached.cacheRecords(true);
    // `store` is another writer: the cached store learns of its changes from the kernel, after a turn of the event loop.
    const same = async () => {
      await new Promise((r) => setTimeout(r, 20));
      expect(cached.list()).toEqual(new Store(dir).list());
    };
    try {
      await same();
      store.write(record({ status: "paused", title: "changed" }));
      await same();
      expect(cached.list().records.find((r) => r.name === "ma-1")?.title).toBe("changed");
      writeFileSync(join(dir, "projects", "my-app", "sessions", "ma-2.json"), "{ not json");
      await same();
      rmSync(join(dir, "projects", "my-app", "sessions", "ma-10.json"));
      await same();
      expect(cached.list().records.map((r) => r.name)).toEqual(["ma-1"]);
    } finally {
      cached.cacheRecords(false);
    }
  });
});
