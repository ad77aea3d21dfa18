import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../lib/sh";
import { DOWN, FDRAIN, HapLab, listening, UP, VIP } from "./haproxy-fixture";

/**
 * Real haproxy 2.6 in front of two real nfs-ganesha 4.3 servers, each host in its own network and
 * mount namespace on a private bridge (198.51.100.0/24, never linked to the host). The external
 * check is dist/hanfs invoked as haproxy-check. A SIGSTOPped ganesha still accepts TCP, so only an
 * RPC-speaking check can mark it DOWN: that is what this proves, with timings.
 */
const BIN = resolve(__dirname, "../../dist/hanfs");
const ADDR = { alpha: "198.51.100.11", delta: "198.51.100.12" };

let lab: HapLab;
let drainFile: string;
const waitState = (server: string, op: number, limitMs: number, backend = "nfs_servers") => lab.waitState(backend, server, op, limitMs);
const serverStates = () => lab.serverStates("nfs_servers");
const whoViaVip = () => lab.whoViaVip();

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: npm run build`);
  lab = new HapLab();
  await lab.up({ alpha: ADDR.alpha, delta: ADDR.delta, proxy: VIP });
  await lab.startGanesha("alpha");
  await lab.startGanesha("delta");
  const bin = join(lab.run.dir, "bin");
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, "haproxy-check")); // busybox dispatch on the invoked name
  drainFile = join(lab.run.dir, "alpha", "drain");
  lab.inHost(lab.hosts.alpha, [BIN, "haproxy-agent", "--listen", `${ADDR.alpha}:5555`, "--nfs", "127.0.0.1:2049", "--drain-file", drainFile, "--cache-ms", "500"], join(lab.run.dir, "alpha", "agent.log"));
  await until("alpha agent on 5555", 10_000, () => listening(lab.hosts.alpha).has(5555));
  await lab.startHaproxy(`defaults
    mode tcp
    log global
    timeout connect 2s
    timeout client 1m
    timeout server 1m
frontend nfs_v4
    bind ${VIP}:2049
    default_backend nfs_servers
backend nfs_servers
    option log-health-checks
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command ${bin}/haproxy-check
    default-server inter 2s fall 2 rise 2 on-marked-down shutdown-sessions
    server alpha ${ADDR.alpha}:2049 check agent-check agent-port 5555 agent-inter 1s
    server delta ${ADDR.delta}:2049 check backup
# the external check alone (no agent, no traffic): proves it detects a hang by itself
backend ext_only
    option log-health-checks
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command ${bin}/haproxy-check
    server alpha ${ADDR.alpha}:2049 check inter 2s fall 2 rise 2
`);
}, 90_000);

afterAll(() => lab?.down());

describe("haproxy + hanfs haproxy-check + ganesha", () => {
  it("both servers come UP; clients reach alpha through the VIP", async () => {
    await waitState("alpha", UP, 15_000);
    await waitState("delta", UP, 15_000);
    await waitState("alpha", UP, 15_000, "ext_only");
    expect(await whoViaVip()).toBe("alpha");
  });

  it("a hung alpha (SIGSTOP: TCP still accepted) is marked DOWN and clients land on delta", async () => {
    process.kill(lab.ganesha.alpha, "SIGSTOP");
    try {
      const downMs = await waitState("alpha", DOWN, 15_000);
      console.log(`hung alpha marked DOWN after ${downMs} ms (agent + external check)`);
      expect(downMs).toBeLessThan(10_000);
      expect(await whoViaVip()).toBe("delta");
      const extMs = downMs + (await waitState("alpha", DOWN, 15_000, "ext_only"));
      console.log(`hung alpha marked DOWN by the external check alone after ${extMs} ms (inter 2s, fall 2, budget 1500 ms)`);
      expect(extMs).toBeLessThan(10_000);
      // whichever of the two RPC probes fires first marks it DOWN; both must see the hang
      const alphaLog = () => readFileSync(lab.hapLog, "utf8").split("\n").filter((l) => l.includes("nfs_servers/alpha") && !l.startsWith("["));
      await until("external check exit 2 in haproxy's log", 6000, () => alphaLog().some((l) => /Health check .* External check error, code: 2/.test(l)));
      await until("agent down in haproxy's log", 6000, () => alphaLog().some((l) => /Agent check .* agent reports an error|Agent check .*NFSv4 NULL: timeout|Server nfs_servers\/alpha is DOWN, reason: Agent/.test(l)));
      console.log(alphaLog().slice(-5).join("\n"));
    } finally {
      process.kill(lab.ganesha.alpha, "SIGCONT");
    }
    const upMs = await waitState("alpha", UP, 15_000);
    console.log(`alpha back UP ${upMs} ms after SIGCONT (rise 2)`);
    expect(await whoViaVip()).toBe("alpha");
  });

  it("the agent's drain file moves new clients to delta; removing it brings them back", async () => {
    writeFileSync(drainFile, "");
    try {
      const t0 = Date.now();
      await until("alpha drained", 10_000, async () => ((await serverStates()).alpha.admin & FDRAIN) !== 0, 100);
      console.log(`agent drain seen by haproxy after ${Date.now() - t0} ms`);
      expect(await whoViaVip()).toBe("delta");
    } finally {
      rmSync(drainFile, { force: true });
    }
    await until("alpha ready", 10_000, async () => ((await serverStates()).alpha.admin & FDRAIN) === 0, 100);
    expect(await whoViaVip()).toBe("alpha");
  });

  it("caveat: the agent's 'up ready' also lifts a drain set through the runtime API", async () => {
    await lab.hapCmd("set server nfs_servers/alpha state drain");
    expect((await serverStates()).alpha.admin & FDRAIN).not.toBe(0);
    const t0 = Date.now();
    await until("agent ready", 10_000, async () => ((await serverStates()).alpha.admin & FDRAIN) === 0, 100);
    console.log(`runtime-API drain lifted by the agent after ${Date.now() - t0} ms`);
  });

  it("a stopped alpha (nothing listening) is marked DOWN", async () => {
    process.kill(lab.ganesha.alpha, "SIGKILL");
    const downMs = await waitState("alpha", DOWN, 15_000);
    console.log(`killed alpha marked DOWN after ${downMs} ms`);
    expect(await whoViaVip()).toBe("delta");
  });
});
