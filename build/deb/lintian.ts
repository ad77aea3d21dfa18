/**
 * usr/share/lintian/overrides/hanfs: tags that come from the embedded runtime, each with the reason
 * it is accepted. Everything else lintian reports is fixed in the package instead.
 */
export const LINTIAN_OVERRIDES = `# The JavaScript runtime (Bun's upstream release build, with its own libraries inside) is embedded
# in the one self-contained executable hanfs is: it is updated by rebuilding hanfs with a newer
# pinned runtime (package.json), not through Debian's libraries.
hanfs: embedded-library libjpeg [usr/lib/hanfs/hanfs]
# Upstream's runtime release binaries are built this way; hanfs does not compile the runtime.
hanfs: hardening-no-pie [usr/lib/hanfs/hanfs]
hanfs: hardening-no-relro [usr/lib/hanfs/hanfs]
hanfs: hardening-no-fortify-functions [usr/lib/hanfs/hanfs]
# The application is an ELF section (.bun) of the compiled executable: strip(1) or objcopy on the
# finished file loses it (measured: the stripped binary no longer finds its own code).
hanfs: unstripped-binary-or-object [usr/lib/hanfs/hanfs]
hanfs: binary-has-unneeded-section .comment [usr/lib/hanfs/hanfs]
# Misspellings in strings of the embedded runtime (V8, ICU, OpenSSL, the runtime's own
# JavaScript), not in hanfs's messages.
hanfs: spelling-error-in-binary * [usr/lib/hanfs/hanfs]
# The runtime's license file is quoted verbatim; one third-party notice in it names the FSF's old
# address.
hanfs: old-fsf-address-in-copyright-file
# The haproxy agent-check responder is optional and needs a listen address of the operator's
# choosing; hosts without systemd run \`hanfs haproxy-agent\` under their own supervisor.
hanfs: package-supports-alternative-init-but-no-init.d-script [lib/systemd/system/hanfs-haproxy-agent.service]
`;
