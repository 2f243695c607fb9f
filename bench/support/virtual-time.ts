/**
 * Virtual time for the scale model: code under test awaits `sleep`, and the model moves the clock from one
 * wake-up to the next, so hours of sending take seconds. Wake-ups are kept per millisecond (one heap entry per
 * distinct time), and after each one every promise chain it released runs until it sleeps again.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < items.length && this.before(items[left] as T, items[best] as T)) best = left;
        if (right < items.length && this.before(items[right] as T, items[best] as T)) best = right;
        if (best === i) break;
        [items[i], items[best]] = [items[best] as T, items[i] as T];
        i = best;
      }
    }
    return top;
  }
}

/** Lets every promise chain that is ready run until each one waits on the virtual clock again. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class VirtualClock {
  private readonly wakeUps = new Map<number, (() => void)[]>();
  private readonly times = new MinHeap<number>((a, b) => a < b);

  constructor(public now: number) {}

  /** Resolves when the clock reaches now + ms (whole milliseconds). */
  sleep(ms: number): Promise<void> {
    const at = this.now + Math.max(0, Math.round(ms));
    return new Promise((resolve) => {
      const waiting = this.wakeUps.get(at);
      if (waiting) waiting.push(resolve);
      else {
        this.wakeUps.set(at, [resolve]);
        this.times.push(at);
      }
    });
  }

  /** The next time something wakes up, if anything sleeps. */
  next(): number | undefined {
    return this.times.peek();
  }

  /** Moves the clock to `at` (never back) and wakes whatever sleeps until then. */
  advanceTo(at: number): void {
    this.now = Math.max(this.now, at);
    for (let next = this.times.peek(); next !== undefined && next <= this.now; next = this.times.peek()) {
      this.times.pop();
      const waiting = this.wakeUps.get(next) ?? [];
      this.wakeUps.delete(next);
      for (const wake of waiting) wake();
    }
  }
}

/** A seeded PRNG (mulberry32): the model's runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal samples with the given median and 99th percentile (σ = ln(p99 / p50) / z₀.₉₉). */
export function logNormal(random: () => number, p50: number, p99: number): () => number {
  const sigma = Math.log(p99 / p50) / 2.3263;
  return () => {
    const u = Math.max(random(), Number.EPSILON);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return p50 * Math.exp(sigma * z);
  };
}
