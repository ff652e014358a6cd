export { summarize } from "./Summary.ts"
