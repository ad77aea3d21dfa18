import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/ocf/log";

const dir = mkdtempSync(join(tmpdir(), "hanfs-log-"));

describe("ocf_log-like logging", () => {
  it("HA_LOGFILE gets info and up, HA_DEBUGLOG gets debug only with HA_debug, tagged with the instance", async () => {
    const [logf, dbgf] = [join(dir, "ha.log"), join(dir, "debug.log")];
    let err = "";
    const log = createLogger("Filesystem(fs_nfs)", { HA_LOGFACILITY: "none", HA_LOGFILE: logf, HA_DEBUGLOG: dbgf, HA_debug: "1" }, (s) => (err += s));
    log.info("mounted");
    log.debug("details");
    log.err("broken\nsecond line");
    await log.flush();
    const main = readFileSync(logf, "utf8");
    expect(main).toMatch(new RegExp(`Filesystem\\(fs_nfs\\)\\[${process.pid}\\]: INFO: mounted\\n`));
    expect(main).toContain("ERROR: broken second line\n");
    expect(main).not.toContain("details");
    expect(readFileSync(dbgf, "utf8")).toContain("DEBUG: details");
    expect(err).toBe("ERROR: broken second line\n"); // errors always reach stderr (execd logs it)
  });

  it("debug is dropped without HA_debug; info goes to stderr when no other sink exists", async () => {
    let err = "";
    const log = createLogger("X(y)", { HA_LOGFACILITY: "none" }, (s) => (err += s));
    log.debug("hidden");
    log.info("shown");
    expect(err).toBe("INFO: shown\n");
  });

  it("syslog: facility from HA_logfacility, RFC 3164 priority, over a stream socket", async () => {
    const sock = join(dir, "log.sock");
    const got: string[] = [];
    const srv = createServer((c) => c.on("data", (d) => got.push(String(d))));
    await new Promise<void>((r) => srv.listen(sock, r));
    const log = createLogger("nfsserver(nfs)", { HA_logfacility: "local3", HANFS_SYSLOG_SOCKET: sock }, () => {});
    log.warn("grace running");
    await log.flush(2000);
    await new Promise((r) => setTimeout(r, 50));
    srv.close();
    // local3 = 19, warning = 4 → <156>
    expect(got.join("")).toBe(`<156>nfsserver(nfs)[${process.pid}]: WARNING: grace running\n`);
  });

  it("flush never waits past its bound when nobody listens", async () => {
    const log = createLogger("X(y)", { HANFS_SYSLOG_SOCKET: join(dir, "nobody.sock") }, () => {});
    log.err("x");
    const t0 = Date.now();
    await log.flush(200);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
