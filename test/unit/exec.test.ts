import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { killChildren, run, startHelper } from "../../src/os/exec";
import { alive } from "../../src/os/procs";

/** A child that forks a TERM-ignoring grandchild, prints its pid, and waits forever. */
const FORKER = ["sh", "-c", `sh -c 'trap "" TERM; exec sleep 60' & echo $!; exec sleep 60`];
const until = async (f: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return f();
};

describe("run(): children in their own process group", () => {
  it("a timeout kills the child's whole group, a TERM-ignoring grandchild included, and answers at once", async () => {
    const t0 = Date.now();
    const r = await run(FORKER, { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1500);
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(1);
    expect(await until(() => !alive(grandchild))).toBe(true);
  });
  it("killChildren() ends every child still running, with its group (the way out on a deadline, watchdog or crash)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hanfs-exec-"));
    const pidFile = join(dir, "grandchild");
    try {
      const pending = run(["sh", "-c", `sh -c 'trap "" TERM; exec sleep 60' & echo $! > ${pidFile}.new && mv ${pidFile}.new ${pidFile}; exec sleep 60`], { timeoutMs: 60_000 });
      const helper = startHelper(["sleep", "60"]);
      expect(await until(() => existsSync(pidFile) && !!helper.pid && alive(helper.pid))).toBe(true);
      const grandchild = Number(readFileSync(pidFile, "utf8"));
      expect(alive(grandchild)).toBe(true);
      killChildren();
      expect((await pending).signal).toBe("SIGKILL");
      expect(await until(() => !alive(grandchild) && !alive(helper.pid!))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("a child that exits normally leaves what it daemonized alone", async () => {
    const r = await run(["sh", "-c", "sleep 5 >/dev/null 2>&1 & echo $!"], { timeoutMs: 5000 });
    const daemon = Number(r.stdout.trim());
    expect(r.code).toBe(0);
    killChildren();
    expect(alive(daemon)).toBe(true);
    process.kill(daemon, "SIGKILL");
  });
});
