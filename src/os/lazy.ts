/**
 * Node built-ins that cost milliseconds to load (measured with Node 24, similar on 22: net ≈ 4 ms, crypto ≈ 6 ms,
 * child_process ≈ 1.5 ms on top of net). Agent start-up is the product's hot path (a monitor every
 * few seconds on every node), so they are loaded on first use, never at import time.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export const net = (): typeof import("node:net") => require("node:net");
export const childProcess = (): typeof import("node:child_process") => require("node:child_process");
export const crypto = (): typeof import("node:crypto") => require("node:crypto");
/** Under Bun every built-in module costs start-up (node:os ~0.5-1 ms): monitors need none of it. */
export const os = (): typeof import("node:os") => require("node:os");
