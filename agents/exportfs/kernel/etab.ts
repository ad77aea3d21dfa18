import { readFileSync } from "node:fs";
import { ETAB } from "../../../src/nfs/server";
import type { Disk } from "../../../src/ocf/paths";
import { unescapeOctal } from "../../../src/os/mountinfo";

export interface EtabEntry {
  dir: string;
  client: string;
  options: string[];
}

/** /var/lib/nfs/etab as exportfs writes it: "<dir>\t<client>(<opts>)", octal escapes in the path. */
export function parseEtab(text: string): EtabEntry[] {
  const out: EtabEntry[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(\S+?)\(([^)]*)\)\s*$/.exec(line);
    if (m) out.push({ dir: unescapeOctal(m[1]), client: m[2], options: m[3].split(",").filter(Boolean) });
  }
  return out;
}

/** etab lives in /var/lib/nfs, i.e. on the shared info dir once nfsserver bound it: read by a bounded child. */
export async function readEtab(disk: Disk): Promise<EtabEntry[]> {
  return parseEtab((await disk.readFileText(ETAB)) ?? "");
}

/** Kernel export cache (/proc/net/rpc/nfsd.export/content): paths the kernel still holds. */
export function kernelExportPaths(file = "/proc/net/rpc/nfsd.export/content"): string[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => unescapeOctal(l.split(/\s+/)[0]));
  } catch {
    return [];
  }
}
