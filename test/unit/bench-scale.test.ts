import { describe, expect, it } from "vitest";
import { capViolations, defaultScaleOptions, scale } from "../../bench/scale";

const HOUR = 3_600_000;

describe("the scale model's cap checker", () => {
  it("finds an account with cap + 1 sends inside one rolling hour, and none at exactly an hour apart", () => {
    const cap = 3;
    const ok = [0, 10, 20, HOUR, HOUR + 10, HOUR + 20];
    const tooMany = [0, 10, 20, HOUR - 1];
    const result = capViolations(
      new Map([
        ["ok", ok],
        ["too-many", tooMany],
      ]),
      cap,
    );
    expect(result.violating).toEqual(["too-many"]);
    expect(result.worst).toBe(4);
  });
});

describe("the scale model", () => {
  it("runs the real sender for a few backlogged accounts: every slot used, the cap never exceeded", async () => {
    const row = await scale({ ...defaultScaleOptions, accounts: 20, virtualMinutes: 3 });
    expect(row.capViolations).toBe(0);
    expect(row.maxSendsInAnyHour).toBeLessThanOrEqual(200);
    // The cap binds: every account sends at the limiter's ceiling, 200 per (hour + grace).
    expect(row.utilisation.min).toBeGreaterThanOrEqual(0.99);
    expect(row.utilisation.min).toBeLessThanOrEqual(row.limiterCeiling + 1e-9);
    expect(row.sendsPerSecond).toBeGreaterThan(0.97 * row.capSendsPerSecond);
    expect(row.sendsPerSecond).toBeLessThanOrEqual(row.capSendsPerSecond);
    expect(row.recordResults.sent).toBeGreaterThan(0);
    expect(row.invocations).toBeGreaterThan(0);
  });
});
