// Preloaded with `node --import` by test/e2e/bundle.test.ts: appends the URL of
// every ES module the process loads to $AO_LOADED_FILE (hooks: record-loads-hooks.mjs).
import { register } from "node:module";

if (process.env.AO_LOADED_FILE) register("./record-loads-hooks.mjs", import.meta.url, { data: process.env.AO_LOADED_FILE });
