#!/usr/bin/env node
import "../dist/bin/ao.mjs";
