import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const SCRIPT = resolve(import.meta.dirname, "../../scripts/ensure-deps.mjs");

/**
 * The front door's `predev`/`pretest` step in a scratch checkout, with a stand-in `npm` first on the PATH that
 * records how it was called and installs like npm does (writing node_modules/.package-lock.json last).
 */
describe("scripts/ensure-deps.mjs", () => {
  let checkout: string;
  let calls: string;
  const run = () =>
    execFileSync(process.execPath, [join(checkout, "scripts", "ensure-deps.mjs")], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${join(checkout, "bin")}:${process.env.PATH}` },
    });
  const npmCalls = () => readFileSync(calls, "utf8").split("\n").filter(Boolean);

  beforeEach(() => {
    checkout = mkdtempSync(join(tmpdir(), "ensure-deps-"));
    calls = join(checkout, "npm-calls.txt");
    writeFileSync(calls, "");
    mkdirSync(join(checkout, "scripts"));
    mkdirSync(join(checkout, "bin"));
    copyFileSync(SCRIPT, join(checkout, "scripts", "ensure-deps.mjs"));
    writeFileSync(join(checkout, "package-lock.json"), "{}");
    const npm = join(checkout, "bin", "npm");
    writeFileSync(
      npm,
      `#!/bin/sh\necho "$PWD $*" >> "${calls}"\nmkdir -p node_modules && echo '{}' > node_modules/.package-lock.json\n`,
    );
    chmodSync(npm, 0o755);
  });

  afterEach(() => rmSync(checkout, { recursive: true, force: true }));

  it("runs npm ci in the checkout when node_modules is missing, saying so in one line", () => {
    const output = run();
    expect(output).toBe("node_modules is missing: running npm ci first\n");
    expect(npmCalls()).toEqual([`${checkout} ci --no-audit --no-fund --loglevel=error`]);
  });

  it("does nothing, silently, once node_modules is newer than the lockfile", () => {
    run();
    expect(run()).toBe("");
    expect(npmCalls()).toHaveLength(1);
  });

  it("installs again when package-lock.json changes after the install", () => {
    run();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(checkout, "package-lock.json"), later, later);
    expect(run()).toBe("node_modules is older than package-lock.json: running npm ci first\n");
    expect(npmCalls()).toHaveLength(2);
  });

  it("fails the script when npm ci fails", () => {
    writeFileSync(join(checkout, "bin", "npm"), "#!/bin/sh\nexit 3\n");
    expect(() => run()).toThrow(/npm ci failed \(exit 3\)/);
  });
});
