export * as Pacer from "./Pacer.ts"
export * as Scenario from "./Scenario.ts"
