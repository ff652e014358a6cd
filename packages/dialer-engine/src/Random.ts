/**
 * Seeded pseudo-random numbers for the simulator and for property tests.
 *
 * The engine never calls `Math.random()`: every random draw comes from an `Rng`
 * built from an explicit seed. Generators are keyed by `(seed, stream, index)` so
 * that the k-th dial of a simulation always sees the same luck whatever pacer
 * placed it (common random numbers): the benchmark compares pacers on identical
 * floors, and a clairvoyant bound can precompute every outcome.
 *
 * The generator is sfc32 (small fast counter, 128-bit state, passes PractRand),
 * seeded through the splitmix32 finaliser. It is 32-bit integer arithmetic only,
 * so the sequence is identical on every JavaScript engine.
 *
 * Ownership: an `Rng` is a small mutable object owned by whoever created it.
 */

/** splitmix32 finaliser: a bijective avalanche mix of a 32-bit integer. */
export const mix32 = (x: number): number => {
  let z = (x + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** Hashes a seed (any finite number) to 32 bits, using both halves of large integers. */
const seed32 = (seed: number): number => {
  const lo = seed >>> 0
  const hi = Math.floor(seed / 4294967296) >>> 0
  return mix32(lo ^ mix32(hi))
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0
    this.b = b | 0
    this.c = c | 0
    this.d = d | 1
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A uniform float in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** A uniform float in (0, 1): safe for logarithms. */
  nextOpen(): number {
    return (this.nextUint32() + 0.5) / 4294967296
  }

  /** A uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n)
  }
}

/** A generator for one seed. */
export const make = (seed: number): Rng => {
  const s = seed32(seed)
  return new Rng(mix32(s), mix32(s ^ 0x68e31da4), mix32(s ^ 0xb5297a4d), mix32(s ^ 0x1b56c4e9))
}

/**
 * An independent generator for `(seed, stream, index)`: the same triple always
 * gives the same sequence, whatever else was drawn before.
 */
export const keyed = (seed: number, stream: number, index: number): Rng => {
  const s = seed32(seed)
  const k = mix32(s ^ mix32((stream | 0) ^ mix32(index >>> 0)))
  const hi = mix32(Math.floor(index / 4294967296) ^ 0x3c6ef372)
  return new Rng(k, mix32(k ^ hi), mix32(k + 0x6a09e667), mix32(s ^ k ^ 0xbb67ae85))
}
