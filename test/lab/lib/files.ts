import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The lab's network: a documentation prefix that is never the host's own (192.0.2.0/24). */
export const NET = "198.51.100";
export const addrOf = (index: number) => `${NET}.${10 + index}`;

export interface NodeSpec {
  name: string;
  /** 1-based */
  index: number;
}

export interface ClusterFiles {
  nodes: NodeSpec[];
  clusterName: string;
  tokenMs: number;
  dcDeadtime: string;
  stonith: boolean;
  /** native fence agent of the seeded device (default the namespace lab's fence_hanfslab) */
  fenceAgent?: string;
}

function ids(file: string, name: string): number {
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.startsWith(name + ":"));
  if (!line) throw new Error(`${name} not found in ${file} (is pacemaker installed?)`);
  return Number(line.split(":")[2]);
}

export function corosyncConf(c: ClusterFiles): string {
  const nodes = c.nodes
    .map((n) => `    node {\n        name: ${n.name}\n        nodeid: ${n.index}\n        ring0_addr: ${addrOf(n.index)}\n    }`)
    .join("\n");
  return `totem {
    version: 2
    cluster_name: ${c.clusterName}
    transport: knet
    crypto_cipher: aes256
    crypto_hash: sha256
    token: ${c.tokenMs}
    join: 50
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_syslog: no
    to_stderr: no
    timestamp: on
}
quorum {
    provider: corosync_votequorum${c.nodes.length === 2 ? "\n    two_node: 1" : ""}
}
nodelist {
${nodes}
}
`;
}

/** Initial CIB, identical on every node (no .sig needed): short dc-deadtime, and the lab's fence device. */
export function cibSeed(c: ClusterFiles): string {
  const fence = c.stonith
    ? `
      <primitive id="fence-lab" class="stonith" type="${c.fenceAgent ?? "fence_hanfslab"}">
        <instance_attributes id="fence-lab-ia">
          <nvpair id="fence-lab-hosts" name="pcmk_host_list" value="${c.nodes.map((n) => n.name).join(" ")}"/>
        </instance_attributes>
        <operations><op id="fence-lab-monitor" name="monitor" interval="60s"/></operations>
      </primitive>`
    : "";
  return `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="${c.dcDeadtime}"/>
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="${c.stonith}"/>
        <nvpair id="cib-bootstrap-options-stonith-timeout" name="stonith-timeout" value="40s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>${fence}
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`;
}

export function hostsFile(c: ClusterFiles): string {
  return ["127.0.0.1 localhost", "::1 localhost", ...c.nodes.map((n) => `${addrOf(n.index)} ${n.name}`), ""].join("\n");
}

/**
 * A node's persistent "disk" (RUN/nodes/NAME/...), bind-mounted by boot.sh over /etc/corosync,
 * /var/lib/{corosync,pacemaker,heartbeat}, /var/log, /etc/hosts and /root inside the node.
 */
export function makeNodeDirs(runDir: string, c: ClusterFiles, n: NodeSpec, authkey: Buffer) {
  const D = join(runDir, "nodes", n.name);
  const hac = ids("/etc/passwd", "hacluster");
  const hag = ids("/etc/group", "haclient");
  const dir = (p: string, mode = 0o755, own = false) => {
    mkdirSync(join(D, p), { recursive: true });
    chmodSync(join(D, p), mode);
    if (own) chownSync(join(D, p), hac, hag);
  };
  for (const d of ["etc-corosync/uidgid.d", "var-lib-corosync", "var-lib-heartbeat/lrm", "var-log/corosync", "home"]) dir(d);
  dir("var-lib-pacemaker");
  for (const d of ["cib", "pengine", "blackbox", "cores"]) dir(`var-lib-pacemaker/${d}`, 0o750, true);
  dir("var-log/pacemaker", 0o770, true);
  dir("var-log/pacemaker/bundles", 0o770, true);
  dir("var-log/crmsh", 0o775, true);
  dir("var-lib-heartbeat/cores", 0o755, true);
  writeFileSync(join(D, "etc-corosync/corosync.conf"), corosyncConf(c));
  writeFileSync(join(D, "etc-corosync/authkey"), authkey, { mode: 0o400 });
  writeFileSync(join(D, "hosts"), hostsFile(c));
  const cib = join(D, "var-lib-pacemaker/cib/cib.xml");
  writeFileSync(cib, cibSeed(c), { mode: 0o600 });
  chownSync(cib, hac, hag);
  return D;
}

export const newAuthkey = () => randomBytes(256);

/** The fence agent with this run's power directory and host list baked in. */
export function writeFenceAgent(runDir: string, template: string, hosts: string[]) {
  mkdirSync(join(runDir, "sbin"), { recursive: true });
  const text = readFileSync(template, "utf8").replaceAll("@POWER_DIR@", join(runDir, "power")).replaceAll("@HOSTS@", hosts.join(" "));
  writeFileSync(join(runDir, "sbin/fence_hanfslab"), text, { mode: 0o755 });
}

