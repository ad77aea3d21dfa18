import { idPart } from "../cib/constraints";
import { clip } from "../text";

/**
 * Command-line options of the fence handlers. The names are crm-fence-peer(.9).sh's, so a handler line
 * copied from a linbit configuration keeps working; options that make no sense here are accepted and
 * reported, unknown ones too (a typo must not make DRBD freeze IO because the handler refused to run).
 */
export interface HandlerArgs {
  /** seconds for the whole run (linbit --timeout, default 90) */
  timeoutS: number;
  /** seconds to keep asking for a CIB from a DC before giving up on it (--dc-timeout, default 20) */
  dcTimeoutS: number;
  /** seconds to wait for the replication link to come back while the peer is reachable (--net-hickup, default 0) */
  netHickupS: number;
  unfenceOnlyIfOwnerMatch: boolean;
  /** fail (exit 1) rather than go on without the lock (--flock-required) */
  lockRequired: boolean;
  /** seconds to wait for the lock (--flock-timeout, default 120; bounded by the timeout) */
  lockTimeoutS: number;
  /** directory of the per-resource lock (--lock-dir; --lock-file NAME|PATH|NONE) */
  lockDir: string;
  lockFile?: string;
  quiet: boolean;
  logFacility?: string;
  /** -r/--resource overrides DRBD_RESOURCE */
  resource?: string;
  /** -i/--master-id: the promotable clone's id (else found by drbd_resource in the CIB) */
  clone?: string;
  /** what was accepted but is not used, and what was not understood: logged once */
  notes: string[];
}

export const DEFAULT_LOCK_DIR = "/run/hanfs/lock";

export function defaultArgs(): HandlerArgs {
  return { timeoutS: 90, dcTimeoutS: 20, netHickupS: 0, unfenceOnlyIfOwnerMatch: false, lockRequired: false, lockTimeoutS: 120, lockDir: DEFAULT_LOCK_DIR, quiet: false, notes: [] };
}

const VALUED = new Set(["logfacility", "resource", "master-id", "role", "fencing-attribute", "id-prefix", "timeout", "dc-timeout", "flock-timeout", "lock-dir", "lock-file", "net-hickup", "network-hickup"]);
const SHORT: Record<string, string> = { r: "resource", i: "master-id", l: "role", a: "fencing-attribute", p: "id-prefix", t: "timeout", d: "dc-timeout" };

/** argv (plus OCF_RESKEY_unfence_extra_args words when the agent unfences) → settings. Throws on a bad value. */
export function parseHandlerArgs(argv: string[]): HandlerArgs {
  const a = defaultArgs();
  const secs = (name: string, v: string, max: number) => {
    if (!/^\d{1,6}$/.test(v) || Number(v) > max) throw new Error(`--${name} needs whole seconds up to ${max}, got '${clip(v)}'`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let name: string;
    let value: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (eq > 0) value = arg.slice(eq + 1);
    } else if (/^-[a-zA-Z]$/.test(arg) && SHORT[arg[1]]) name = SHORT[arg[1]];
    else {
      a.notes.push(`ignoring unexpected argument '${clip(arg)}'`);
      continue;
    }
    if (VALUED.has(name) && value === undefined) {
      if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`);
      value = argv[++i];
    }
    const v = value ?? "";
    switch (name) {
      case "timeout":
        a.timeoutS = Math.max(1, secs(name, v, 86400));
        break;
      case "dc-timeout":
        a.dcTimeoutS = secs(name, v, 86400);
        break;
      case "net-hickup":
      case "network-hickup":
        a.netHickupS = secs(name, v, 86400);
        break;
      case "flock-timeout":
        a.lockTimeoutS = secs(name, v, 86400);
        break;
      case "unfence-only-if-owner-match":
        a.unfenceOnlyIfOwnerMatch = true;
        break;
      case "flock-required":
        a.lockRequired = true;
        break;
      case "lock-dir":
        if (!v.startsWith("/")) throw new Error(`--lock-dir needs an absolute path, got '${clip(v)}'`);
        a.lockDir = v;
        break;
      case "lock-file":
        a.lockFile = v;
        break;
      case "quiet":
        a.quiet = true;
        break;
      case "logfacility":
        a.logFacility = v;
        break;
      case "resource":
        a.resource = v;
        break;
      case "master-id":
        if (!/^[A-Za-z_][-A-Za-z0-9_.]*$/.test(v)) throw new Error(`--master-id needs a CIB id, got '${clip(v)}'`);
        a.clone = v;
        break;
      case "role":
        if (!/^(Master|Promoted)$/i.test(v)) throw new Error(`--role must be Promoted (or Master), got '${clip(v)}'`);
        a.notes.push(`--role ${clip(v)}: the constraint bans the Promoted role (Pacemaker 2.1 reads it for Master too)`);
        break;
      case "fencing-attribute":
        if (v !== "#uname") a.notes.push(`--fencing-attribute ${clip(v)} is not supported: the constraint names nodes by #uname`);
        break;
      case "id-prefix":
        a.notes.push(`--id-prefix ${clip(v)} ignored: constraint ids are always drbd-fence-by-handler-<resource>-<clone>`);
        break;
      case "suicide-on-failure-if-primary":
      case "unreachable-peer-is-outdated":
      case "CTS-mode":
        a.notes.push(`--${name} is not supported and ignored`);
        break;
      default:
        a.notes.push(`ignoring unknown option ${clip(arg)}`);
    }
  }
  if (a.dcTimeoutS > a.timeoutS) a.dcTimeoutS = a.timeoutS;
  return a;
}

/** The lock file path for a resource: --lock-file NONE (no lock), NAME (in the lock dir), or PATH. */
export function lockPath(a: HandlerArgs, res: string): string | undefined {
  if (a.lockFile === "NONE") return undefined;
  if (a.lockFile?.startsWith("/")) return a.lockFile;
  return `${a.lockDir}/${a.lockFile ?? `drbd-fence.${idPart(res)}`}`;
}
