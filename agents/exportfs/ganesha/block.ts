/** One ganesha EXPORT block from exportfs-style parameters. */
export interface BlockInput {
  id: number;
  path: string;
  pseudo: string;
  clientspec: string;
  options: string;
}

const q = (s: string) => `"${s.replace(/["\\]/g, "\\$&")}"`;

/** Translate /etc/exports options; returns the ganesha settings and the options it has no use for. */
export function translateOptions(options: string): { access: string; squash: string; extra: string[]; ignored: string[] } {
  let access = "RO"; // exports(5): ro is the default
  let squash = "Root_Squash";
  const extra: string[] = [];
  const ignored: string[] = [];
  for (const o of options.split(",").filter(Boolean)) {
    const [k, v] = o.split("=", 2);
    if (k === "rw") access = "RW";
    else if (k === "ro") access = "RO";
    else if (k === "root_squash") squash = "Root_Squash";
    else if (k === "no_root_squash") squash = "No_Root_Squash";
    else if (k === "all_squash") squash = "All_Squash";
    else if (k === "no_all_squash") squash = squash === "All_Squash" ? "Root_Squash" : squash;
    else if (k === "anonuid" && /^\d+$/.test(v ?? "")) extra.push(`Anonymous_Uid = ${v};`);
    else if (k === "anongid" && /^\d+$/.test(v ?? "")) extra.push(`Anonymous_Gid = ${v};`);
    else if (k === "sec" && v) extra.push(`SecType = ${v.split(":").map((s) => (s === "sys" ? "sys" : s)).join(", ")};`);
    else if (k === "insecure") extra.push("PrivilegedPort = false;");
    else if (k === "secure") extra.push("PrivilegedPort = true;");
    else ignored.push(o);
  }
  return { access, squash, extra, ignored };
}

/**
 * ganesha hides an export from clients it does not admit (LOOKUP says NOENT), so the monitor's
 * probe from loopback gets metadata-only access after the admin's clients (first match wins).
 */
const MONITOR_CLIENT = "CLIENT { Clients = 127.0.0.1; Access_Type = MDONLY_RO; }";

/** Clients is a list of bare words in ganesha (a quoted one is refused); clientspec's charset is safe. */
export function exportBlock(b: BlockInput): { text: string; ignored: string[] } {
  const t = translateOptions(b.options);
  const open = b.clientspec === "*";
  const lines = [
    `Export_Id = ${b.id};`,
    `Path = ${q(b.path)};`,
    `Pseudo = ${q(b.pseudo)};`,
    `Access_Type = ${open ? t.access : "None"};`,
    `Squash = ${t.squash};`,
    ...(t.extra.some((e) => e.startsWith("SecType")) ? [] : ["SecType = sys;"]),
    ...t.extra,
    "Protocols = 3, 4;",
    "Transports = TCP;",
    "FSAL { Name = VFS; }",
    ...(open ? [] : [`CLIENT { Clients = ${b.clientspec}; Access_Type = ${t.access}; Squash = ${t.squash}; }`, MONITOR_CLIENT]),
  ];
  return { text: `EXPORT {\n${lines.map((l) => `  ${l}`).join("\n")}\n}\n`, ignored: t.ignored };
}
