/**
 * Duration distributions used by scenarios (PACING.md §4) and their samplers.
 *
 * Owns the plain description of a distribution (`constant`, `exponential`,
 * `lognormal` and `gamma` by mean and coefficient of variation, `uniform`,
 * `mixture`), its mean, and a compiled sampler. Sampling takes an explicit `Rng`:
 * nothing here is random by itself. `compile` resolves the parameters once, so
 * the simulator's hot loop only does arithmetic.
 */
import type { Rng } from "./Random.ts"

export type Distribution =
  | { readonly dist: "constant"; readonly value: number }
  | { readonly dist: "exponential"; readonly mean: number }
  | { readonly dist: "lognormal"; readonly mean: number; readonly cv: number }
  | { readonly dist: "gamma"; readonly mean: number; readonly cv: number }
  | { readonly dist: "uniform"; readonly min: number; readonly max: number }
  | { readonly dist: "mixture"; readonly parts: ReadonlyArray<MixturePart> }

export type MixturePart = Distribution & { readonly weight: number }

export type Sampler = (rng: Rng) => number

/** The mean of a distribution. */
export const mean = (d: Distribution): number => {
  switch (d.dist) {
    case "constant":
      return d.value
    case "exponential":
    case "lognormal":
    case "gamma":
      return d.mean
    case "uniform":
      return (d.min + d.max) / 2
    case "mixture": {
      let w = 0
      let m = 0
      for (const p of d.parts) {
        w += p.weight
        m += p.weight * mean(p)
      }
      return w > 0 ? m / w : 0
    }
  }
}

/** A standard normal draw (Box-Muller, one value per call so draws stay aligned). */
export const standardNormal = (rng: Rng): number => {
  const u1 = rng.nextOpen()
  const u2 = rng.next()
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/** Marsaglia-Tsang gamma draw with shape k and scale 1 (k < 1 through the boost). */
const gammaUnit = (rng: Rng, k: number): number => {
  if (k < 1) {
    const g = gammaUnit(rng, k + 1)
    return g * Math.pow(rng.nextOpen(), 1 / k)
  }
  const d = k - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = standardNormal(rng)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = rng.nextOpen()
    if (u < 1 - 0.0331 * x * x * x * x) return d * v
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
  }
}

/** Resolves a distribution to a fast sampler. Negative draws are clamped to 0. */
export const compile = (d: Distribution): Sampler => {
  switch (d.dist) {
    case "constant": {
      const v = Math.max(0, d.value)
      return () => v
    }
    case "exponential": {
      const m = d.mean
      return (rng) => -m * Math.log(rng.nextOpen())
    }
    case "lognormal": {
      if (d.cv <= 0) {
        const v = d.mean
        return () => v
      }
      const s2 = Math.log(1 + d.cv * d.cv)
      const s = Math.sqrt(s2)
      const mu = Math.log(d.mean) - s2 / 2
      return (rng) => Math.exp(mu + s * standardNormal(rng))
    }
    case "gamma": {
      if (d.cv <= 0) {
        const v = d.mean
        return () => v
      }
      const k = 1 / (d.cv * d.cv)
      const theta = d.mean / k
      return (rng) => theta * gammaUnit(rng, k)
    }
    case "uniform": {
      const lo = d.min
      const w = d.max - d.min
      return (rng) => Math.max(0, lo + w * rng.next())
    }
    case "mixture": {
      const total = d.parts.reduce((s, p) => s + p.weight, 0)
      const cum: Array<number> = []
      const samplers: Array<Sampler> = []
      let acc = 0
      for (const p of d.parts) {
        acc += p.weight / total
        cum.push(acc)
        samplers.push(compile(p))
      }
      const n = samplers.length
      return (rng) => {
        const u = rng.next()
        let i = 0
        while (i < n - 1 && u >= cum[i]!) i++
        return samplers[i]!(rng)
      }
    }
  }
}

/** One draw (compiles each time: use `compile` in loops). */
export const sample = (d: Distribution, rng: Rng): number => compile(d)(rng)
