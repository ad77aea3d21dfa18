/** Replaced at build time (`define` in build/build.mjs); unbundled runs (tsx, tests) report 0.0.0-dev. */
declare const __HANFS_VERSION__: string | undefined;
export const VERSION: string = typeof __HANFS_VERSION__ === "string" ? __HANFS_VERSION__ : "0.0.0-dev";
