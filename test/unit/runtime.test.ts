import { describe, expect, it } from "vitest";
import { Filesystem } from "../../agents/Filesystem/index";
import { fail, OCF, type OcfCode } from "../../src/ocf/codes";
import { type Ctx, defineAgent, type InvalidStopCtx, type InvalidStopPolicy, int, str } from "../../src/ocf/declare";
import { Deadline, deadlineFromEnv } from "../../src/ocf/deadline";
import { runAgent } from "../../src/ocf/runtime";
import { capture } from "../lib/capture";


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
  invalidParamsOnStop: "succeed",
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
    expect(await runAgent(toy, ["status"], { OCF_RESKEY_name: "x", HA_LOGFACILITY: "none", OCF_CHECK_LEVEL: "10", OCF_RESKEY_CRM_meta_interval: "10000" }, capture())).toBe(10);
  });
  it("probe and depth come from CRM_meta_interval and OCF_CHECK_LEVEL; no interval is a probe (Pacemaker 2.1.5 passes none)", async () => {
    const env = { OCF_RESKEY_name: "x", HA_LOGFACILITY: "none" };
    expect(await runAgent(toy, ["monitor"], { ...env, OCF_RESKEY_CRM_meta_interval: "0" }, capture())).toBe(7);
    expect(await runAgent(toy, ["monitor"], env, capture())).toBe(7);
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

describe("OCF runtime: exit codes, policies and Pacemaker's meta attributes", () => {
  /** an agent whose actions end as the environment says, and that shows what it was given */
  const seen: Array<Ctx<{ n: ReturnType<typeof int> }>> = [];
  const echo = (policy: InvalidStopPolicy<{ n: ReturnType<typeof int> }>) =>
    defineAgent({
      name: "Echo",
      version: "1",
      shortdesc: "e",
      longdesc: "e",
      params: { n: int({ required: true, min: 0, shortdesc: "n", longdesc: "n" }) },
      actions: {
        stop: { timeout: 5, run: () => 0 },
        monitor: {
          timeout: 5,
          run: (ctx) => {
            seen.push(ctx);
            return ctx.env.REASON ? fail(ctx.params.n as OcfCode, ctx.env.REASON) : ctx.params.n;
          },
        },
        notify: {
          timeout: 5,
          run: (ctx) => {
            seen.push(ctx);
            return 0;
          },
        },
      },
      invalidParamsOnStop: policy,
    });
  const base = { HA_LOGFACILITY: "none" };

  it.each([
    [OCF.SUCCESS, "INFO"],
    [OCF.NOT_RUNNING, "INFO"],
    [OCF.RUNNING_PROMOTED, "INFO"],
    [OCF.DEGRADED, "WARNING"],
    [OCF.DEGRADED_PROMOTED, "WARNING"],
    [OCF.FAILED_PROMOTED, "ERROR"],
    [OCF.ERR_GENERIC, "ERROR"],
  ])("a reason with code %i is logged as %s and given as the exit reason", async (code, label) => {
    const io = capture();
    expect(await runAgent(echo("succeed"), ["monitor"], { ...base, OCF_RESKEY_n: String(code), REASON: "why" }, io)).toBe(code);
    expect(io.e).toContain(`${label}: why\n`);
    expect(io.e).toContain("ocf-exit-reason:why\n");
  });

  it('invalidParamsOnStop "succeed": stop with invalid parameters is 0 with a warning, other actions fail with 6', async () => {
    const io = capture();
    expect(await runAgent(echo("succeed"), ["stop"], { ...base, OCF_RESKEY_n: "-1" }, io)).toBe(0);
    expect(io.e).toMatch(/WARNING: stop with invalid parameters \(parameter 'n' must be >= 0, got -1\)/);
    expect(await runAgent(echo("succeed"), ["monitor"], { ...base, OCF_RESKEY_n: "-1" }, capture())).toBe(6);
  });
  it('invalidParamsOnStop "fail": the parameter error, exit reason included', async () => {
    const io = capture();
    expect(await runAgent(echo("fail"), ["stop"], { ...base }, io)).toBe(6);
    expect(io.e).toContain("ocf-exit-reason:required parameter 'n' is not set\n");
  });
  it("invalidParamsOnStop as a function: it decides, given what parsed and the error", async () => {
    const got: Array<InvalidStopCtx<{ n: ReturnType<typeof int> }>> = [];
    const agent = echo((ctx) => {
      got.push(ctx);
      return ctx.env.SAFE ? 0 : fail(OCF.ERR_GENERIC, `cannot stop safely: ${ctx.invalid.message}`);
    });
    expect(await runAgent(agent, ["stop"], { ...base, OCF_RESKEY_n: "x", SAFE: "1", OCF_RESOURCE_INSTANCE: "r0" }, capture())).toBe(0);
    expect(got[0]).toMatchObject({ action: "stop", instance: "r0", params: {} });
    expect(got[0].invalid.code).toBe(6);
    const io = capture();
    expect(await runAgent(agent, ["stop"], { ...base, OCF_RESKEY_n: "x" }, io)).toBe(1);
    expect(io.e).toContain("ocf-exit-reason:cannot stop safely: parameter 'n' must be an integer, got 'x'\n");
    expect(await runAgent(agent, ["stop"], { ...base, OCF_RESKEY_n: "3" }, capture())).toBe(0); // valid: the action runs
    expect(got).toHaveLength(2);
  });

  it("ctx.meta is parsed once for every action; ctx.notify only for notify", async () => {
    seen.length = 0;
    const env = { ...base, OCF_RESKEY_n: "0", OCF_RESKEY_CRM_meta_interval: "10000", OCF_RESKEY_CRM_meta_role: "Slave", OCF_RESKEY_CRM_meta_clone: "1", OCF_RESKEY_CRM_meta_notify_type: "post", OCF_RESKEY_CRM_meta_notify_operation: "start", OCF_RESKEY_CRM_meta_notify_start_uname: "alpha" };
    expect(await runAgent(echo("succeed"), ["monitor"], env, capture())).toBe(0);
    expect(await runAgent(echo("succeed"), ["notify"], env, capture())).toBe(0);
    expect(await runAgent(echo("succeed"), ["notify"], { ...base, OCF_RESKEY_n: "0" }, capture())).toBe(0); // as ocf-tester calls it
    expect(seen.map((c) => [c.action, c.meta.role, c.meta.clone, c.notify?.type, c.notify?.start.uname])).toEqual([
      ["monitor", "Unpromoted", 1, undefined, undefined],
      ["notify", "Unpromoted", 1, "post", ["alpha"]],
      ["notify", undefined, undefined, undefined, undefined],
    ]);
  });
});
