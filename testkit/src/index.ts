export * from "./services.ts"
