/**
 * Records the environment Pacemaker 2.1.5 gives a promotable clone with notify=true, live: a lab
 * cluster runs ocf:pacemaker:Stateful behind a wrapper (bind-mounted over it inside the nodes'
 * private mount namespaces) that saves its environment before exec'ing the real agent. Scenario:
 * the clone starts on alpha and delta and one is promoted; then that node goes to standby (demote,
 * stop, promote the other). Also records crm_attribute's answers to the promotion-score calls
 * src/ocf/promotion.ts makes. Writes test/unit/fixtures/pacemaker-2.1.5-live.json.
 * Run as root: npm run build && npx tsx test/lab/record-env.ts
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Cluster } from "./lib/cluster";

const STATEFUL = "/usr/lib/ocf/resource.d/pacemaker/Stateful";
const WRAPPER = `#!/bin/sh
d=/run/hanfs-record; mkdir -p "$d"
env | grep '^OCF_' | sort >"$d/$(date +%s%N)-$1"
exec /root/Stateful.orig "$@"
`;
const CONFIG = `primitive r0 ocf:pacemaker:Stateful \\
  op monitor interval=10s role=Promoted timeout=20s \\
  op monitor interval=11s role=Unpromoted timeout=20s \\
  op notify timeout=90s interval=0
clone r0-clone r0 meta promotable=true notify=true promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1
`;

async function main() {
  const c = await Cluster.up(2, { stonith: false });
  try {
    const out: { source: string; actions: Record<string, Record<string, string>>; crm_attribute: Record<string, { code: number; stdout: string }> } = {
      source: "Pacemaker 2.1.5 lab cluster (alpha, delta), ocf:pacemaker:Stateful clone, see test/lab/record-env.ts",
      actions: {},
      crm_attribute: {},
    };
    for (const n of c.nodes) {
      copyFileSync(STATEFUL, join(n.dir, "home", "Stateful.orig"));
      writeFileSync(join(n.dir, "home", "wrapper"), WRAPPER, { mode: 0o755 });
      await n.exec(["mount", "--bind", "/root/wrapper", STATEFUL]);
    }
    await c.crm(CONFIG);
    const promoted = (s: Awaited<ReturnType<Cluster["status"]>>) => s.resources.find((r) => r.id.startsWith("r0") && r.role === "Promoted")?.nodes[0];
    const first = promoted(await c.waitFor((s) => promoted(s), 60_000, "r0 promoted"));
    const other = c.nodes.find((n) => n.name !== first)!.name;
    // the calls src/ocf/promotion.ts makes, answered by the live cluster on the promoted node
    const attr = async (name: string, rsc: string) => {
      const r = await c.exec(first!, ["crm_attribute", `--promotion=${rsc}`, "-l", "reboot", "-G", "--output-as=xml"], { check: false, timeout: 20_000 });
      out.crm_attribute[name] = { code: r.code ?? -1, stdout: r.stdout };
    };
    await attr("query-set", "r0");
    await attr("query-unset", "r0-none");
    await c.standby(first!);
    await c.waitFor((s) => promoted(s) === other && !s.resources.some((r) => r.id.startsWith("r0") && r.nodes.includes(first!)), 60_000, `r0 promoted on ${other}`);
    for (const n of c.nodes) {
      const r = await n.exec(["sh", "-c", 'cd /run/hanfs-record && for f in *; do echo "== $f"; cat "$f"; echo; done']);
      let key = "";
      let n_ = 0;
      for (const line of r.stdout.split("\n")) {
        const m = /^== \d+-(.*)$/.exec(line);
        if (m) {
          key = `${n.name}:${String(++n_).padStart(2, "0")}:${m[1]}`;
          out.actions[key] = {};
        } else if (line === "") {
          // name the entry after what it is: node:seq:action[:pre-promote | :interval]
          const e = out.actions[key] ?? {};
          const what = e.OCF_RESKEY_CRM_meta_notify_type ? `${e.OCF_RESKEY_CRM_meta_notify_type}-${e.OCF_RESKEY_CRM_meta_notify_operation}` : e.OCF_RESKEY_CRM_meta_interval;
          if (key && what) {
            out.actions[`${key}:${what}`] = e;
            delete out.actions[key];
          }
          key = "";
        } else if (key && line.includes("=")) {
          const i = line.indexOf("=");
          out.actions[key][line.slice(0, i)] = line.slice(i + 1);
        }
      }
    }
    writeFileSync(join(__dirname, "../unit/fixtures/pacemaker-2.1.5-live.json"), JSON.stringify(out, null, 1) + "\n");
    console.log(`recorded ${Object.keys(out.actions).length} actions: ${Object.keys(out.actions).join(" ")}`);
  } finally {
    await c.down();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
