import { build } from "esbuild";

/**
 * The console's script with the app team's client bundled in (esbuild, in memory, no file written): built
 * when the browser asks for it, so an edit to the console or the client shows on the next reload and no
 * bundle is ever committed.
 */
export async function bundleConsoleScript(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "inline",
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return output.text;
}
