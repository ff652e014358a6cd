export * as Pacer from "./Pacer.ts"
