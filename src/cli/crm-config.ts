/**
 * `hanfs crm-config`: topology in (JSON file and/or flags), configuration out (crm text, pcs
 * commands, DRBD resource file, haproxy config), optionally checked by the tools that read it.
 * Exit codes: 0 done, 2 bad input, 3 unsafe choice refused, 4 a check failed.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeErr, writeOut } from "../os/runtime";
import type { Command } from "commander";
import { renderCrm } from "../config/crm";
import { renderDrbd } from "../config/drbd-res";
import { renderHaproxy } from "../config/haproxy-cfg";
import { makePlan } from "../config/plan";
import { renderPcs } from "../config/pcs";
import { EXAMPLE, type TopologyFile, type TopologyFlags, TopologyError, buildTopology, unsafeChoices } from "../config/topology";
import { type CheckResult, checkCrm, checkDrbd, checkHaproxy } from "../config/validate";

const OUTPUTS = ["crm", "pcs", "drbd", "haproxy"] as const;
type Output = (typeof OUTPUTS)[number];

interface Flags extends TopologyFlags {
  config?: string;
  print?: string;
  outDir?: string;
  validate?: boolean;
  iKnow?: boolean;
  example?: boolean;
}

const many = (v: string, prev: string[] = []) => [...prev, v];

export function registerCrmConfig(prog: Command, done: (code: number) => void): void {
  prog
    .command("crm-config")
    .description("print the cluster configuration for a two-node DRBD + NFS service: crm text, pcs commands, the DRBD resource file, the haproxy config")
    .option("--config <file.json>", "topology as JSON (start from --example); flags override it")
    .option("--example", "print the seed tutorial's topology as JSON and exit")
    .option("--node <name=address>", "cluster node and its replication address (twice)", many)
    .option("--drbd-resource <name>", "DRBD resource (default r0)")
    .option("--drbd-device <dev>", "DRBD device (default /dev/drbd0)")
    .option("--drbd-disk <[node=]dev>", "backing disk, for every node or per node", many)
    .option("--drbd-port <port>", "replication port (default 7788)")
    .option("--drbd-version <v>", "8.4 (Debian 12's kernel) or 9 (default 8.4)")
    .option("--mount <dir>", "mount point (default /srv)")
    .option("--fstype <type>", "filesystem on the DRBD device (default ext4)")
    .option("--mount-options <opts>", "mount -o options")
    .option("--clone-filesystem", "mount on both nodes (refused: a single-primary DRBD with a local filesystem)")
    .option("--nfs-server <kind>", "kernel or ganesha (default kernel)")
    .option("--nfs-infodir <dir>", "NFS state on the replicated disk (default <mount>/nfs_shared)")
    .option("--nfs-versions <list>", "3,4 or 4 (default 3,4)")
    .option("--grace <s>", "NFSv4 grace time (default 20)")
    .option("--lease <s>", "NFSv4 lease time (default 15)")
    .option("--mountd-port <port>", "fixed mountd port for NFSv3 through haproxy (default 20048)")
    .option("--export <line>", 'an export as in /etc/exports: "/srv/export 198.51.100.0/24(rw,sync,insecure,no_root_squash)" (repeatable)', many)
    .option("--fence-agent <agent>", "stonith agent, e.g. fence_ipmilan")
    .option("--fence-param <key=value>", "parameter for every fence device (repeatable)", many)
    .option("--fence-node-param <node:key=value>", "parameter for one node's fence device: one device per node (repeatable)", many)
    .option("--no-stonith", "no fencing (refused without --i-know)")
    .option("--frontend <kind>", "haproxy (a proxy host in front, as in the seed) or ip (a floating address in the group)")
    .option("--frontend-address <addr[/prefix]>", "the address clients mount")
    .option("--frontend-nic <if>", "interface for the floating address")
    .option("--print <list>", `what to print: ${OUTPUTS.join(",")} (default all, with headers)`)
    .option("--out-dir <dir>", "write hanfs.crm, hanfs-pcs.sh, <resource>.res, haproxy.cfg there instead of printing")
    .option("--validate", "check the output with crmsh (shadow CIB) + crm_verify, drbdadm and haproxy -c")
    .option("--i-know", "accept a disabled stonith (test clusters)")
    .action(async (o: Flags) => done(await crmConfig(o)));
}


export async function crmConfig(o: Flags, out: (s: string) => void = writeOut, err: (l: string) => void = (l) => writeErr(l + "\n")): Promise<number> {
  if (o.example) {
    out(JSON.stringify(EXAMPLE, null, 2) + "\n");
    return 0;
  }
  const want = (o.print ?? OUTPUTS.join(",")).split(",").filter(Boolean);
  const unknown = want.filter((w) => !(OUTPUTS as readonly string[]).includes(w));
  if (unknown.length) {
    err(`hanfs crm-config: --print ${unknown.join(",")}: choose from ${OUTPUTS.join(",")}`);
    return 2;
  }
  let file: TopologyFile = {};
  if (o.config) {
    try {
      file = JSON.parse(readFileSync(o.config, "utf8")) as TopologyFile;
      if (!file || typeof file !== "object" || Array.isArray(file)) throw new Error("not a JSON object");
    } catch (e) {
      err(`hanfs crm-config: ${o.config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return 2;
    }
  }
  // commander's --no-stonith sets stonith=false; keep our flag positive
  const flags: TopologyFlags = { ...o, noStonith: (o as { stonith?: boolean }).stonith === false };
  let topo;
  try {
    topo = buildTopology(file, flags);
    const unsafe = unsafeChoices(topo, !!o.iKnow);
    if (unsafe.length) throw new TopologyError(unsafe, 3);
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    for (const p of e.problems) err(`hanfs crm-config: ${e.code === 3 ? "refused: " : ""}${p}`);
    return e.code;
  }
  const plan = await makePlan(topo);
  const texts: Record<Output, { name: string; text: string }> = {
    crm: { name: "hanfs.crm", text: renderCrm(plan) },
    pcs: { name: "hanfs-pcs.sh", text: renderPcs(plan) },
    drbd: { name: `${topo.drbd.resource}.res`, text: renderDrbd(topo) },
    haproxy: { name: "haproxy.cfg", text: renderHaproxy(topo) },
  };
  const chosen = (want as Output[]).filter((w) => texts[w].text);
  if (o.outDir) {
    mkdirSync(o.outDir, { recursive: true });
    for (const w of chosen) writeFileSync(join(o.outDir, texts[w].name), texts[w].text, { mode: w === "pcs" ? 0o755 : 0o644 });
    err(`hanfs crm-config: wrote ${chosen.map((w) => join(o.outDir!, texts[w].name)).join(", ")}`);
  } else if (chosen.length === 1) out(texts[chosen[0]].text);
  else for (const w of chosen) out(`##### ${texts[w].name}\n${texts[w].text}\n`);

  if (!o.validate) return 0;
  const results: CheckResult[] = [];
  if (chosen.includes("crm") || chosen.includes("pcs"))
    results.push(...(await checkCrm(texts.crm.text, topo.nodes.map((n) => n.name), plan.agents)));
  if (chosen.includes("drbd")) results.push(await checkDrbd(texts.drbd.text, topo.drbd.version));
  if (chosen.includes("haproxy")) results.push(await checkHaproxy(texts.haproxy.text));
  for (const r of results) err(`hanfs crm-config: ${r.status === "ok" ? "checked" : r.status === "failed" ? "FAILED" : "not checked"}: ${r.what}: ${r.detail.split("\n").join("\n    ")}`);
  return results.some((r) => r.status === "failed") ? 4 : 0;
}
