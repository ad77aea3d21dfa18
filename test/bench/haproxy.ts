import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DOWN, HapLab, UP, VIP } from "../integration/haproxy-fixture";
import { sh, until } from "../lib/sh";
import { install, options, timeInterleaved, type BaseRow, type Row } from "./lib";

const BIN = resolve(__dirname, "../../dist/hanfs");
const ALPHA = "198.51.100.11";
const [INTER, FALL, RISE] = [1000, 2, 2];
const GOAL = INTER * FALL + 1000;
/** how long the plain TCP check gets to notice the hang; also its anchor value when it never does */
const NEVER_S = 15;
const CYCLES = 3;
/** probe budget of the hanfs check: start-up + 300 ms fits haproxy's min(inter, timeout connect) = 1 s */
const CHECK_CONF = "[*]\ntimeout-ms = 300\n";

/**
 * haproxy 2.6 in front of one ganesha 4.3, two backends on the same server, same inter/fall/rise:
 * a plain TCP `check` (the anchor) and the installed hanfs haproxy-check. ganesha is SIGSTOPped
 * (the kernel still accepts TCP) and both backends' states are read from the runtime API.
 */
export async function benchHaproxy(rows: Row[], verdicts: string[], base: BaseRow[]) {
  const lab = new HapLab();
  try {
    await lab.up({ alpha: ALPHA, proxy: VIP });
    await lab.startGanesha("alpha");
    const root = join(lab.run.dir, "root");
    await install(BIN, root);
    // haproxy replaces the check's environment: its settings can only come from /etc/hanfs
    await lab.etcFiles("proxy", { "hanfs/haproxy-check.conf": CHECK_CONF });
    if (options.baseline) {
      // one check of the healthy server, as haproxy runs it, by this build and by the baseline
      const broot = join(lab.run.dir, "baseline");
      await install(options.baseline, broot);
      const env = { PATH: "/usr/bin:/bin", HAPROXY_PROXY_NAME: "hanfs", HAPROXY_SERVER_NAME: "alpha" };
      const args = [VIP, "0", ALPHA, "2049"];
      const within = ["nsenter", "-t", String(lab.hosts.proxy), "-n", "-m", "--"];
      await until("ganesha to answer the check", 15_000, async () => (await sh([...within, join(root, "usr/lib/hanfs/haproxy-check"), ...args], { env, check: false })).code === 0, 200);
      const t = timeInterleaved(
        [
          { name: "hanfs", argv: [join(root, "usr/lib/hanfs/haproxy-check"), ...args], env, expect: 0 },
          { name: "baseline", argv: [join(broot, "usr/lib/hanfs/haproxy-check"), ...args], env, expect: 0 },
        ],
        40,
        3,
        within,
      );
      base.push({ what: "haproxy-check, healthy server", hanfs: t.get("hanfs")!, baseline: t.get("baseline")! });
    }
    await lab.startHaproxy(`defaults
    mode tcp
    log global
    option log-health-checks
    timeout connect 1s
    timeout check 1s
    timeout client 1m
    timeout server 1m
    default-server inter ${INTER} fall ${FALL} rise ${RISE}
backend plain
    server alpha ${ALPHA}:2049 check
backend hanfs
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command ${join(root, "usr/lib/hanfs/haproxy-check")}
    server alpha ${ALPHA}:2049 check
`);
    const g = lab.ganesha.alpha;
    const downs: number[] = [];
    const ups: number[] = [];
    let plainDown: number | undefined;
    for (let i = 0; i < CYCLES; i++) {
      // both checks UP and actually passing (L4OK / PROCOK) before the hang; seen within 20 ms
      // of a hanfs check completing (the first pass, or the UP that ended the previous cycle)
      await until("both checks passing", 15_000, async () => {
        const [p, h] = [(await lab.stat("plain")).alpha, (await lab.stat("hanfs")).alpha];
        return p.status === "UP" && p.check_status === "L4OK" && h.status === "UP" && h.check_status === "PROCOK";
      }, 20);
      // hang at 0, 1/3, 2/3 of inter after that check: the detection time depends on this phase,
      // 0 being the worst (a whole idle inter before the first failing check)
      await new Promise((r) => setTimeout(r, (i * INTER) / CYCLES));
      process.kill(g, "SIGSTOP");
      const t0 = Date.now();
      let down: number | undefined;
      try {
        // the first hang gives the plain check its whole window; later ones only time hanfs
        const end = t0 + (i === 0 ? NEVER_S * 1000 : 15_000);
        while (Date.now() < end && (down === undefined || (i === 0 && plainDown === undefined))) {
          if (down === undefined && (await lab.serverStates("hanfs")).alpha.op === DOWN) down = Date.now() - t0;
          if (i === 0 && plainDown === undefined && (await lab.serverStates("plain")).alpha.op === DOWN) plainDown = Date.now() - t0;
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        process.kill(g, "SIGCONT");
      }
      if (down === undefined) throw new Error(`hanfs check did not mark the hung server DOWN within 15 s (cycle ${i + 1})`);
      downs.push(down);
      // SIGCONT comes right after a failed check: a whole inter before the first passing one
      ups.push(await lab.waitState("hanfs", "alpha", UP, 15_000, 20));
      console.log(`haproxy hang ${i + 1} (phase ${Math.round((i * INTER) / CYCLES)} ms): hanfs DOWN ${down} ms, UP ${ups[i]} ms after SIGCONT${i === 0 ? `, plain TCP ${plainDown === undefined ? `never DOWN in ${NEVER_S} s` : `DOWN ${plainDown} ms`}` : ""}`);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
    const worst = Math.max(...downs);
    rows.push({ what: `haproxy: hung server DOWN (plain TCP: never=${NEVER_S} s)`, hanfs: med(downs), anchor: plainDown ?? NEVER_S * 1000, unit: "ms" });
    rows.push({ what: "haproxy: UP again after SIGCONT (no anchor)", hanfs: med(ups), anchor: NaN, unit: "ms" });
    verdicts.push(`${worst <= GOAL ? "PASS" : "FAIL"} hung server marked DOWN by hanfs check in ${worst} ms (worst of ${CYCLES}; goal <= inter*fall+1000 = ${GOAL})`);
    verdicts.push(
      plainDown === undefined
        ? `PASS plain TCP check never marked the hung server DOWN within ${NEVER_S} s`
        : `FAIL plain TCP check marked the hung server DOWN after ${plainDown} ms (expected never within ${NEVER_S} s: is the server really hung?)`,
    );
  } catch (e) {
    try {
      console.error(readFileSync(lab.hapLog, "utf8").split("\n").slice(-15).join("\n"));
    } catch {
      /* no haproxy log yet */
    }
    throw e;
  } finally {
    lab.down();
  }
}
