import { spawn } from "node:child_process";
import { closeSync, constants, openSync, readSync, writeSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { sh } from "../lib/sh";
import { PATH, agent, shOut } from "./fixture";
import { perTest } from "./per-test";

/**
 * What the agents rely on from the runtime inside dist/hanfs (Bun), where it could differ from
 * Node: output to pipes nobody reads, or that are full, and a long run of monitors that must leave
 * nothing behind. (ELF, `env -i` without node, nobody meta-data and argv0 dispatch: cli.test.ts.)
 */
const t = perTest();
const OCF = { PATH, OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: "fs", HA_LOGFACILITY: "none" };

/** A FIFO's write end whose reader is already gone: every write fails with EPIPE. */
async function brokenPipe(name: string): Promise<number> {
  const fifo = t.s.path(name);
  await sh(["mkfifo", fifo]);
  const r = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const w = openSync(fifo, constants.O_WRONLY);
  closeSync(r);
  return w;
}

/** Run argv with the given stdio, return its exit code (bounded). */
function runWith(argv: string[], stdio: (number | "ignore" | "pipe")[], env: Record<string, string> = OCF): Promise<number | null> {
  return new Promise((res) => {
    const c = spawn(argv[0], argv.slice(1), { stdio: stdio as never, env });
    const timer = setTimeout(() => c.kill("SIGKILL"), 30_000);
    c.on("close", (code) => (clearTimeout(timer), res(code)));
  });
}

describe("output the reader does not take", () => {
  it("a closed pipe or a closed fd on stdout/stderr leaves the exit code alone", async () => {
    const out = await brokenPipe("out");
    const err = await brokenPipe("err");
    try {
      expect(await runWith([t.agent, "meta-data"], ["ignore", out, "ignore"])).toBe(0);
      // missing required parameters: exit 6 with an exit reason written to the broken stderr
      expect(await runWith([t.agent, "monitor"], ["ignore", "ignore", err])).toBe(6);
      expect(await runWith([t.agent, "meta-data"], ["ignore", out, err])).toBe(0);
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const closed = async (redir: string, action: string) => (await sh(["bash", "-c", `exec "$0" ${action} ${redir}`, t.agent], { env: OCF, check: false })).code;
    expect(await closed(">&-", "meta-data")).toBe(0);
    expect(await closed("2>&-", "monitor")).toBe(6);
    expect(await closed(">&- 2>&-", "monitor")).toBe(6);
  });

  it("a full non-blocking pipe: the output waits for the reader, all of it arrives, then the exit", async () => {
    const want = await shOut([t.agent, "meta-data"]);
    const fifo = t.s.path("full");
    await sh(["mkfifo", fifo]);
    const r = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const w = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    // fill the pipe to the brim: the agent's first write gets EAGAIN
    const filler = Buffer.alloc(4096, "x");
    let filled = 0;
    for (;;) {
      try {
        filled += writeSync(w, filler);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") break;
        throw e;
      }
    }
    let exitedAt = 0;
    const done = runWith([t.agent, "meta-data"], ["ignore", w, "pipe"]).then((code) => ((exitedAt = Date.now()), code));
    closeSync(w);
    await new Promise((res) => setTimeout(res, 500));
    const drainFrom = Date.now();
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    for (const end = Date.now() + 30_000; Date.now() < end; ) {
      let n: number;
      try {
        n = readSync(r, buf);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        await new Promise((res) => setTimeout(res, 5));
        continue;
      }
      if (n === 0) break; // no writer left: the agent has exited
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    closeSync(r);
    expect(await done).toBe(0);
    expect(exitedAt).toBeGreaterThanOrEqual(drainFrom);
    const got = Buffer.concat(chunks);
    expect(got.length).toBe(filled + Buffer.byteLength(want));
    expect(got.subarray(filled).toString()).toBe(want);
  });
});

describe("syslog", () => {
  it("an exit reason reaches a syslog stream socket, facility and tag as ocf_log has them", async () => {
    const sock = t.s.path("log.sock");
    const got: string[] = [];
    const srv = createServer((c) => c.on("data", (d) => got.push(String(d))));
    await new Promise<void>((r) => srv.listen(sock, r));
    try {
      // no device: exit 6, the reason logged as an error (daemon = 3, err = 3 → <27>)
      const env = { ...OCF, HA_LOGFACILITY: "daemon", HANFS_SYSLOG_SOCKET: sock, OCF_RESKEY_directory: "/nonexistent", OCF_RESKEY_fstype: "ext4" };
      expect(await runWith([t.agent, "monitor"], ["ignore", "ignore", "ignore"], env)).toBe(6);
      for (const end = Date.now() + 5000; !got.join("").includes("\n") && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
      expect(got.join("")).toMatch(/^<27>Filesystem\(fs\)\[\d+\]: ERROR: required parameter 'device' is not set\n$/);
    } finally {
      srv.close();
    }
  });
});

describe("a long run of monitors", () => {
  it("1,000 consecutive monitors: the same exit code every time, no process or file descriptor left behind", async () => {
    const p = { device: await t.s.loopFs("ext4"), directory: t.s.path("srv"), fstype: "ext4" };
    expect((await agent(t.agent, "start", p)).code).toBe(0);
    const env: Record<string, string> = { ...OCF, OCF_RESKEY_CRM_meta_interval: "20000", OCF_RESKEY_CRM_meta_timeout: "20000" };
    for (const [k, v] of Object.entries(p)) env[`OCF_RESKEY_${k}`] = v;
    // In a PID namespace of its own the loop's shell is PID 1: whatever a monitor leaves running
    // (every 100th is depth 20, which runs dd) is still there to count afterwards.
    const loop = `
      count() { local n=0 f=0 p; for p in /proc/[0-9]*; do n=$((n+1)); f=$((f+$(ls "$p/fd" 2>/dev/null | wc -l))); done; echo "$n $f"; }
      echo "before $(count)"
      for i in $(seq 1000); do
        if [ $((i % 100)) = 0 ]; then OCF_CHECK_LEVEL=20 "$0" monitor; else "$0" monitor; fi
        echo "rc $?" >> "$1"
      done
      echo "after $(count)"`;
    const codes = t.s.path("codes");
    const r = await sh(["unshare", "--pid", "--fork", "--mount-proc", "bash", "-c", loop, t.agent, codes], { env, timeout: 900_000, check: false });
    expect(r.code, r.stderr).toBe(0);
    const tally = (await shOut(["sort", codes])).trim().split("\n").reduce<Record<string, number>>((m, l) => ((m[l] = (m[l] ?? 0) + 1), m), {});
    expect(tally).toEqual({ "rc 0": 1000 });
    const [before, after] = ["before", "after"].map((w) => new RegExp(`^${w} (\\d+) (\\d+)$`, "m").exec(r.stdout)!.slice(1).map(Number));
    console.log(`1,000 monitors: processes ${before[0]} → ${after[0]}, open fds ${before[1]} → ${after[1]} (in the loop's PID namespace)`);
    expect(after).toEqual(before);
  }, 900_000);
});
