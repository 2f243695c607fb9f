// `predev` / `pretest`: makes `npm run dev` and `npm test` work right after `git clone` (or a pull that changed
// the lockfile) by running `npm ci` first when node_modules is missing or older than package-lock.json.
// Plain Node with no dependencies: it runs before anything is installed, on whatever Node the newcomer has.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Why an install is needed, or undefined when node_modules matches the lockfile. */
function installReason() {
  // npm writes node_modules/.package-lock.json at the end of every install, after package-lock.json.
  const installed = mtimeMs(join(root, "node_modules", ".package-lock.json"));
  if (installed === undefined) return "node_modules is missing";
  const locked = mtimeMs(join(root, "package-lock.json"));
  if (locked !== undefined && locked > installed) return "node_modules is older than package-lock.json";
  return undefined;
}

const reason = installReason();
if (reason !== undefined) {
  console.log(`${reason}: running npm ci first`);
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  if (result.status !== 0) {
    console.error(
      `npm ci failed (${result.error?.message ?? `exit ${result.status}`}); run it yourself to see why`,
    );
    process.exit(result.status || 1);
  }
}
