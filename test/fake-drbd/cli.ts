/**
 * The fake DRBD's tools, bundled once per test run and called through tiny shell stubs on PATH:
 *   <node> cli.js <state-dir> <drbdadm|drbdsetup|modprobe|modinfo|crm_attribute> args...
 * Every call is logged (calls.log), then applied to state.json, which is rendered again as proc_drbd.
 */
import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import live from "../unit/fixtures/pacemaker-2.1.5-live.json";
import { renderEvents2, renderProc, type FakeRes, type FakeState } from "./model";

const [dir, prog, ...args] = process.argv.slice(2);
const file = join(dir, "state.json");
const s: FakeState = JSON.parse(readFileSync(file, "utf8"));
appendFileSync(join(dir, "calls.log"), `${prog} ${args.join(" ")}\n`);

function save() {
  writeFileSync(`${file}.tmp`, JSON.stringify(s, null, 1));
  renameSync(`${file}.tmp`, file);
  const proc = renderProc(s);
  if (proc === undefined) rmSync(join(dir, "proc_drbd"), { force: true });
  else {
    writeFileSync(join(dir, "proc_drbd.tmp"), proc);
    renameSync(join(dir, "proc_drbd.tmp"), join(dir, "proc_drbd"));
  }
}

function exit(code: number, out = "", err = ""): never {
  if (out) process.stdout.write(out.endsWith("\n") ? out : out + "\n");
  if (err) process.stderr.write(err.endsWith("\n") ? err : err + "\n");
  process.exit(code);
}

/** Strip options (drbdadm -c FILE, --peer X, -S, -v, ...); return the words. */
function words(a: string[]): { words: string[]; flags: Set<string> } {
  const out: string[] = [];
  const flags = new Set<string>();
  for (let i = 0; i < a.length; i++) {
    if (a[i] === "-c" || a[i] === "--peer" || a[i] === "-W") i++;
    else if (a[i].startsWith("-")) flags.add(a[i]);
    else out.push(a[i]);
  }
  return { words: out, flags };
}

function fault(key: string) {
  const h = s.hang[key];
  if (h) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, h * 1000);
  }
  const f = s.fail[key];
  if (!f) return;
  if (f.times !== undefined) {
    if (f.times <= 0) return;
    f.times--;
    save();
  }
  exit(f.code, "", f.stderr);
}

const need = (name: string | undefined): FakeRes => {
  const r = name ? s.res[name] : undefined;
  if (!r) exit(10, "", `'${name}' not defined in your config (for this host).`);
  return r;
};
const kernel = () => {
  if (!s.loaded) exit(20, "", "Could not connect to 'drbd' generic netlink family");
};

function apply(cmd: string, r: FakeRes, flags: Set<string>) {
  kernel();
  switch (cmd) {
    case "new-resource":
      if (r.exists) exit(10, "", "(161) Resource already exists");
      r.exists = true;
      break;
    case "new-minor":
      if (!r.exists) exit(10, "", "(158) Unknown resource");
      r.minors = true;
      break;
    case "attach":
      if (!r.minors) exit(10, "", "(127) Device minor not allocated");
      if (!r.diskConfigured) break;
      r.attached = true;
      break;
    case "up":
    case "adjust":
      r.exists = true;
      r.minors = true;
      if (r.diskConfigured) r.attached = true;
      if (!flags.has("--skip-net")) r.net = true;
      break;
    case "connect":
      r.net = true;
      break;
    case "disconnect":
      r.net = false;
      break;
    case "primary": {
      if (!r.exists) exit(10, "", "(158) Unknown resource");
      const connected = r.net && r.peerUp;
      if (!r.attached || !["UpToDate", "Consistent"].includes(r.disk) || (r.disk === "Consistent" && !connected))
        exit(17, "", "0: State change failed: (-2) Need access to UpToDate data");
      if (connected && r.peerRole === "Primary" && !r.allowTwoPrimaries) exit(11, "", "0: State change failed: (-1) Multiple primaries not allowed by config");
      r.role = "Primary";
      break;
    }
    case "secondary":
      if (!r.exists) exit(10, "", "(158) Unknown resource");
      if (r.open && r.role === "Primary") exit(11, "", "0: State change failed: (-12) Device is held open by someone");
      r.role = "Secondary";
      break;
    case "down":
      if (r.open && r.role === "Primary") exit(11, "", "0: State change failed: (-12) Device is held open by someone");
      Object.assign(r, { exists: false, minors: false, attached: false, net: false, role: "Secondary" });
      break;
    case "outdate":
      if (r.role === "Primary") exit(17, "", "0: State change failed: (-2) Need access to UpToDate data");
      r.disk = "Outdated";
      break;
    default:
      exit(1, "", `fake drbd: no command ${cmd}`);
  }
  save();
}

function drbdadm() {
  if (args.includes("--version")) {
    const [a, b, c] = s.version.split(".").map(Number);
    const code = s.loaded ? `0x${[a, b, c].map((x) => x.toString(16).padStart(2, "0")).join("")}` : "0x000000";
    exit(0, `DRBDADM_API_VERSION=2\nDRBD_KERNEL_VERSION_CODE=${code}\nDRBDADM_VERSION_CODE=0x091600\nDRBDADM_VERSION=9.22.0`);
  }
  const { words: w, flags } = words(args);
  const [cmd, name] = w;
  fault(`drbdadm ${cmd}`);
  if (cmd === "sh-mod-parms") exit(0, "");
  const r = need(name);
  if (!r.configured) exit(10, "", `'${name}' not defined in your config (for this host).`);
  const vols = Array.from({ length: r.volumes }, (_, v) => v);
  switch (cmd) {
    case "sh-dev":
      exit(0, vols.map((v) => `/dev/drbd${v}`).join("\n"));
    case "sh-minor":
      exit(0, vols.join("\n"));
    case "sh-ll-dev":
      exit(0, vols.map((v) => (r.diskConfigured ? `/dev/vg/${name}-${v}` : "none")).join("\n"));
    case "dump":
      exit(0, `# resource ${name} on fake\nresource ${name} {\n    net {\n${r.allowTwoPrimaries ? "        allow-two-primaries yes;\n" : ""}        protocol C;\n    }\n}`);
  }
  apply(cmd, r, flags);
}

function drbdsetup() {
  const { words: w, flags } = words(args);
  const [cmd, name] = w;
  fault(`drbdsetup ${cmd}`);
  if (cmd === "events2") {
    kernel();
    exit(0, renderEvents2(s, name));
  }
  if (!s.res[name]?.exists) {
    kernel();
    exit(10, "", `${name}: No such resource`);
  }
  apply(cmd, s.res[name], flags);
}

function crmAttribute() {
  const rec = live.crm_attribute;
  fault("crm_attribute");
  if (args.includes("-G")) {
    if (s.score === null) exit(rec["query-unset"].code, rec["query-unset"].stdout);
    exit(0, rec["query-set"].stdout.replace(/value="10"/, `value="${s.score}"`));
  }
  const v = args.indexOf("-v");
  if (v >= 0) s.score = args[v + 1];
  else if (args.includes("-D")) s.score = null;
  else exit(64, "", "fake crm_attribute: what?");
  save();
  exit(0);
}

switch (prog) {
  case "drbdadm":
    drbdadm();
    break;
  case "drbdsetup":
    drbdsetup();
    break;
  case "modprobe":
    fault("modprobe");
    if (!s.available) exit(1, "", "modprobe: FATAL: Module drbd not found in directory /lib/modules/fake");
    s.loaded = true;
    save();
    exit(0);
    break;
  case "modinfo":
    if (!s.available) exit(1, "", "modinfo: ERROR: Module drbd not found.");
    exit(0, s.version);
    break;
  case "crm_attribute":
    crmAttribute();
    break;
  default:
    exit(127, "", `fake drbd: no program ${prog}`);
}
