import { describe, expect, it } from "vitest";
import { Filesystem } from "../../agents/Filesystem/index";
import { fail } from "../../src/ocf/codes";
import { defineAgent, str } from "../../src/ocf/declare";
import { Deadline, deadlineFromEnv } from "../../src/ocf/deadline";
import { runAgent } from "../../src/ocf/runtime";

const capture = () => {
  const io = { o: "", e: "", out: (s: string) => void (io.o += s), err: (s: string) => void (io.e += s) };
  return io;
};

const toy = defineAgent({
  name: "Toy",
  version: "1",
  shortdesc: "t",
  longdesc: "t",
  params: { name: str({ required: true, shortdesc: "n", longdesc: "n" }) },
  actions: {
    start: { timeout: 5, run: (ctx) => (ctx.params.name === "boom" ? fail(1, "it went\nboom") : 0) },
    stop: { timeout: 5, run: () => 0 },
    monitor: { timeout: 5, run: (ctx) => (ctx.probe ? 7 : ctx.depth) },
    crash: { timeout: 5, run: () => JSON.parse("{") },
    slow: { timeout: 1, run: (ctx) => ctx.deadline.sleep(10_000).then((ok) => (ok ? 0 : fail(1, "deadline hit"))) },
  },
});

describe("OCF runtime", () => {
  it("meta-data, usage and methods need no environment", async () => {
    const io = capture();
    expect(await runAgent(Filesystem, ["meta-data"], {}, io)).toBe(0);
    expect(io.o).toContain('<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">');
    expect(await runAgent(toy, ["methods"], {}, io)).toBe(0);
    expect(io.o).toContain("monitor\n");
    expect(io.o).toContain("status\n");
    expect(io.e).toBe("");
  });
  it("no action → 2, unknown action → 3", async () => {
    expect(await runAgent(toy, [], {}, capture())).toBe(2);
    const io = capture();
    expect(await runAgent(toy, ["frobnicate"], {}, io)).toBe(3);
    expect(io.e).toMatch(/^ocf-exit-reason:action 'frobnicate' is not implemented/m);
  });
  it("missing required parameter → 6 and exactly one exit reason line, honouring the prefix", async () => {
    const io = capture();
    expect(await runAgent(toy, ["start"], { OCF_EXIT_REASON_PREFIX: "XR:", HA_LOGFACILITY: "none" }, io)).toBe(6);
    expect(io.e.split("\n").filter((l) => l.startsWith("XR:"))).toEqual(["XR:required parameter 'name' is not set"]);
  });
  it("stop with invalid parameters succeeds without running the action (a failed stop fences the node)", async () => {
    const io = capture();
    expect(await runAgent(toy, ["stop"], { HA_LOGFACILITY: "none" }, io)).toBe(0);
    expect(io.e).toMatch(/WARNING: stop with invalid parameters \(required parameter 'name' is not set\)/);
    expect(io.e).not.toContain("ocf-exit-reason:");
  });
  it("action failure: code and a one-line reason; crash: 1 without a stack trace", async () => {
    const io = capture();
    expect(await runAgent(toy, ["start"], { OCF_RESKEY_name: "boom", HA_LOGFACILITY: "none" }, io)).toBe(1);
    expect(io.e).toContain("ocf-exit-reason:it went boom\n");
    const io2 = capture();
    expect(await runAgent(toy, ["crash"], { OCF_RESKEY_name: "x", HA_LOGFACILITY: "none" }, io2)).toBe(1);
    expect(io2.e).toMatch(/ocf-exit-reason:internal error in crash: /);
    expect(io2.e).not.toMatch(/\n\s+at /);
  });
  it("status runs monitor", async () => {
    expect(await runAgent(toy, ["status"], { OCF_RESKEY_name: "x", HA_LOGFACILITY: "none", OCF_CHECK_LEVEL: "10" }, capture())).toBe(10);
  });
  it("probe and depth come from CRM_meta_interval and OCF_CHECK_LEVEL", async () => {
    const env = { OCF_RESKEY_name: "x", HA_LOGFACILITY: "none" };
    expect(await runAgent(toy, ["monitor"], { ...env, OCF_RESKEY_CRM_meta_interval: "0" }, capture())).toBe(7);
    expect(await runAgent(toy, ["monitor"], { ...env, OCF_RESKEY_CRM_meta_interval: "10000", OCF_CHECK_LEVEL: "20" }, capture())).toBe(20);
  });
  it("the deadline comes from CRM_meta_timeout and leaves a margin to report", async () => {
    const t0 = Date.now();
    const io = capture();
    const rc = await runAgent(toy, ["slow"], { OCF_RESKEY_name: "x", OCF_RESKEY_CRM_meta_timeout: "800", HA_LOGFACILITY: "none" }, io);
    const ms = Date.now() - t0;
    expect(rc).toBe(1);
    expect(io.e).toContain("ocf-exit-reason:deadline hit");
    expect(ms).toBeLessThan(800);
    expect(ms).toBeGreaterThan(300);
  });
  it("Deadline: default from declaration, cap and until", async () => {
    expect(deadlineFromEnv({}, 20).totalMs).toBe(20_000);
    expect(deadlineFromEnv({ OCF_RESKEY_CRM_meta_timeout: "5000" }, 20).totalMs).toBe(5000);
    expect(deadlineFromEnv({ OCF_RESKEY_CRM_meta_timeout: "junk" }, 20).totalMs).toBe(20_000);
    const d = new Deadline(1000);
    expect(d.cap(50_000)).toBeLessThanOrEqual(1000 - 300);
    let n = 0;
    expect(await d.until(() => (++n === 3 ? "ok" : undefined), 10)).toBe("ok");
    expect(await new Deadline(400).until(() => undefined, 20)).toBeUndefined();
  });
});

describe("run()", () => {
  it("a child that exits without reading its input is an exit code, not an EPIPE crash", async () => {
    const { run } = await import("../../src/os/exec");
    const r = await run(["sh", "-c", "exit 3"], { timeoutMs: 5000, input: "x".repeat(1 << 20) });
    expect(r.code).toBe(3);
  });
  it("kills a child at its time limit and returns at once", async () => {
    const { run } = await import("../../src/os/exec");
    const t0 = Date.now();
    const r = await run(["sleep", "30"], { timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it("a missing program is reported, not thrown", async () => {
    const { run, describe: say } = await import("../../src/os/exec");
    const r = await run(["/nonexistent/hanfs-tool"], { timeoutMs: 2000 });
    expect(r.error?.code).toBe("ENOENT");
    expect(say(["/nonexistent/hanfs-tool"], r)).toBe("/nonexistent/hanfs-tool: not installed");
  });
});
