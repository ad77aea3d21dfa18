import { appendFileSync } from "node:fs";
import { net } from "../os/lazy";
import { clip } from "../text";

/**
 * Logging like ocf_log: syslog (HA_LOGFACILITY / HA_logfacility), HA_LOGFILE, HA_DEBUGLOG,
 * HA_debug, tagged "<agent>(<instance>)[pid]". No `logger` fork: Node has no unix datagram
 * sockets, so syslog goes over a stream connection to /dev/log (syslog-ng, rsyslog imuxsock with
 * a stream socket) or journald's stdout stream; when neither accepts, warnings and errors still
 * reach stderr, which pacemaker-execd writes to the cluster log.
 */
export type Level = "debug" | "info" | "warn" | "err" | "crit";
const SEVERITY: Record<Level, number> = { crit: 2, err: 3, warn: 4, info: 6, debug: 7 };
const LABEL: Record<Level, string> = { crit: "CRIT", err: "ERROR", warn: "WARNING", info: "INFO", debug: "DEBUG" };
const FACILITY: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21,
  local6: 22, local7: 23,
};

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  err(msg: string): void;
  crit(msg: string): void;
  /** send queued syslog lines; never waits longer than `ms` */
  flush(ms?: number): Promise<void>;
}

const truthy = (v: string | undefined) => !!v && /^(1|yes|true|on)$/i.test(v);

export function createLogger(tag: string, env: NodeJS.ProcessEnv, stderr: (s: string) => void): Logger {
  const facilityName = env.HA_LOGFACILITY ?? env.HA_logfacility ?? "daemon";
  const facility = FACILITY[facilityName.toLowerCase()];
  const logfile = env.HA_LOGFILE ?? env.HA_logfile;
  const debugfile = env.HA_DEBUGLOG ?? env.HA_debugfile;
  const debug = truthy(env.HA_debug) || truthy(env.HA_DEBUG);
  const queue: string[] = [];
  const fullTag = `${tag}[${process.pid}]`;

  const append = (file: string | undefined, line: string) => {
    if (!file) return false;
    try {
      appendFileSync(file, line);
      return true;
    } catch {
      return false;
    }
  };

  const emit = (level: Level, msg: string) => {
    if (level === "debug" && !debug) return;
    const text = clip(msg.replace(/[\r\n]+/g, " "), 1000);
    const stamp = new Date().toISOString();
    const line = `${stamp} ${fullTag}: ${LABEL[level]}: ${text}\n`;
    const wrote = append(level === "debug" ? debugfile ?? logfile : logfile, line);
    if (facility !== undefined) queue.push(`<${facility * 8 + SEVERITY[level]}>${fullTag}: ${LABEL[level]}: ${text}\n`);
    if (level !== "debug" && level !== "info") stderr(`${LABEL[level]}: ${text}\n`);
    else if (!wrote && facility === undefined) stderr(`${LABEL[level]}: ${text}\n`);
  };

  const send = (path: string, payload: string, ms: number) =>
    new Promise<boolean>((resolve) => {
      const s = net().connect(path);
      const t = setTimeout(() => done(false), ms);
      const done = (ok: boolean) => {
        clearTimeout(t);
        s.destroy();
        resolve(ok);
      };
      s.on("error", () => done(false));
      s.on("connect", () => s.end(payload, () => done(true)));
    });

  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    err: (m) => emit("err", m),
    crit: (m) => emit("crit", m),
    async flush(ms = 250) {
      if (!queue.length) return;
      const payload = queue.splice(0).join("");
      if (await send(env.HANFS_SYSLOG_SOCKET ?? "/dev/log", payload, ms)) return;
      // journald stream protocol: header lines, then the messages with their <pri> prefix
      const hdr = `${tag}\n\n6\n1\n1\n0\n0\n`;
      await send("/run/systemd/journal/stdout", hdr + payload, ms);
    },
  };
}
