import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { VARLIB } from "../../../src/nfs/server";

/*
 * Where this node's nfs-utils keeps what the info dir must hold: distributions build it
 * differently, and a daemon that does not find its directory does not start (Debian 12's
 * rpc.statd: "Failed to stat /var/lib/nfs/sm"). Node-local files only (/etc): read in-process.
 */

const CONF = "/etc/nfs.conf";
const CONF_D = "/etc/nfs.conf.d";

function confFiles(): string[] {
  let d: string[] = [];
  try {
    d = readdirSync(CONF_D).filter((f) => f.endsWith(".conf")).sort().map((f) => join(CONF_D, f));
  } catch {
    /* no conf.d */
  }
  return [CONF, ...d];
}

/** nfs.conf and nfs.conf.d/*.conf as "section.key" → value (later files win, as nfs-utils reads them). */
export function readNfsConf(files = confFiles()): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    let section = "";
    for (const raw of text.split("\n")) {
      const line = raw.replace(/[#;].*$/, "").trim();
      const s = /^\[\s*([^\]\s]+)\s*(?:"[^"]*")?\s*\]$/.exec(line);
      if (s) section = s[1].toLowerCase();
      else {
        const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
        if (kv && section) out.set(`${section}.${kv[1].toLowerCase()}`, kv[2]);
      }
    }
  }
  return out;
}

/** Where rpc.statd's sm/ may be, relative to /var/lib/nfs: Debian's build ("") and upstream's/Red Hat's ("statd"). */
export const STATD_LAYOUTS = ["", "statd"];

/**
 * rpc.statd's NSM directory relative to /var/lib/nfs ("" = /var/lib/nfs itself), or undefined when
 * nfs.conf puts it outside /var/lib/nfs (then it is not on the shared disk). nfs.conf [statd]
 * state-directory-path decides; else the first of `found` (the layouts that exist, in the order
 * the caller looked: the node's own /var/lib/nfs as the package made it, then the info dir); else
 * upstream's.
 */
export function statdSubdir(conf: Map<string, string>, found: string[]): string | undefined {
  const set = conf.get("statd.state-directory-path");
  if (set) {
    const rel = relative(VARLIB, set.replace(/\/+$/, ""));
    return rel.startsWith("..") || rel.startsWith("/") ? undefined : rel;
  }
  return found[0] ?? "statd";
}

/** rpc_pipefs mount point: nfs.conf [general] pipefs-directory (Debian: /run/rpc_pipefs) while the parameter keeps its default. */
export function pipefsDir(param: string, defaultParam: string, conf: Map<string, string>): string {
  const set = conf.get("general.pipefs-directory");
  return param === defaultParam && set ? set.replace(/(.)\/+$/, "$1") : param;
}
