/**
 * A small seeded PRNG (splitmix32) for the simulated carrier. It stays here
 * until the engine's `Random`/`Distribution` modules land in
 * `@autodialer/dialer-engine`; then the simulator switches to them so that the
 * benchmark and the carrier draw from the same generator family.
 */
export interface Rng {
  /** A float in [0, 1). */
  readonly next: () => number
}

/** FNV-1a over a string, so each call's randomness depends only on (seed, key). */
export const hash = (text: string, seed = 0x811c9dc5): number => {
  let h = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

export const make = (seed: number): Rng => {
  let state = seed >>> 0
  return {
    next: () => {
      state = (state + 0x9e3779b9) >>> 0
      let z = state
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      z = (z ^ (z >>> 16)) >>> 0
      return z / 0x1_0000_0000
    }
  }
}

/** Exponential with the given mean. */
export const exponential = (rng: Rng, mean: number): number => -mean * Math.log(1 - rng.next())

/** Log-normal parameterised by its median and a spread (sigma of the underlying normal). */
export const logNormal = (rng: Rng, median: number, sigma: number): number => {
  // Box-Muller; 1 - u keeps the log argument in (0, 1].
  const u1 = 1 - rng.next()
  const u2 = rng.next()
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  return median * Math.exp(sigma * z)
}
