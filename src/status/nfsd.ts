/**
 * The kernel NFS server's state from /proc/fs/nfsd, no fork: threads, grace and lease times,
 * whether the grace period has ended (v4_end_grace reads Y/N, kernels >= 5.0), and the NFSv4
 * clients (clients/<id>/info, kernels >= 5.3).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface NfsClient {
  address: string;
  name: string;
  minorVersion?: number;
  status?: string;
}

export interface NfsdState {
  /** /proc/fs/nfsd not mounted: nothing below is known */
  mounted: boolean;
  threads?: number;
  graceTime?: number;
  leaseTime?: number;
  /** true: in grace (new state waits), false: ended, undefined: this kernel does not say */
  inGrace?: boolean;
  /** undefined: this kernel has no clients/ directory */
  clients?: NfsClient[];
}

const read = (p: string) => {
  try {
    return readFileSync(p, "utf8").trim();
  } catch {
    return undefined;
  }
};
const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
const unquote = (s: string) => s.replace(/^"(.*)"$/, "$1");

/** clients/<id>/info: "key: value" lines */
export function parseClientInfo(text: string): NfsClient {
  const kv = new Map(text.split("\n").map((l) => [l.slice(0, l.indexOf(":")).trim(), l.slice(l.indexOf(":") + 1).trim()] as const));
  return { address: unquote(kv.get("address") ?? "?"), name: unquote(kv.get("name") ?? "?"), minorVersion: num(kv.get("minor version")), status: kv.get("status") };
}

export function readNfsd(dir = "/proc/fs/nfsd"): NfsdState {
  const threads = num(read(join(dir, "threads")));
  if (threads === undefined) return { mounted: false };
  const ended = read(join(dir, "v4_end_grace"));
  let clients: NfsClient[] | undefined;
  try {
    clients = readdirSync(join(dir, "clients"))
      .map((id) => read(join(dir, "clients", id, "info")))
      .filter((t): t is string => t !== undefined)
      .map(parseClientInfo);
  } catch {
    clients = undefined;
  }
  return {
    mounted: true,
    threads,
    graceTime: num(read(join(dir, "nfsv4gracetime"))),
    leaseTime: num(read(join(dir, "nfsv4leasetime"))),
    inGrace: ended === "Y" ? false : ended === "N" ? threads > 0 : undefined,
    clients,
  };
}
