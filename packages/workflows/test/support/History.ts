/**
 * Reads a workflow history JSON file (as `temporal workflow show --output json`
 * writes it) into the SDK's History object.
 *
 * It does what `historyFromJSON` of @temporalio/common does, but with the
 * protobufjs copy that @temporalio/proto itself loads: this checkout has more
 * than one copy of protobufjs 8.8.1 in node_modules, and the SDK helper then
 * fails with "type must be a Type". (Deduplicating protobufjs at the root,
 * e.g. `npm dedupe protobufjs`, makes the SDK helper work again.)
 */
import { createRequire } from "node:module"
import type { temporal } from "@temporalio/proto"

const here = createRequire(import.meta.url)
const fromProto = createRequire(here.resolve("@temporalio/proto"))
const protojson = fromProto("protobufjs/ext/protojson") as {
  fromJson: (type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }) => unknown
}
const proto = fromProto("@temporalio/proto") as object
const { patchProtobufRoot } = fromProto("@temporalio/proto/lib/patch-protobuf-root") as {
  patchProtobufRoot: (root: object) => { lookupType: (name: string) => unknown }
}
const historyType = patchProtobufRoot(proto).lookupType("temporal.api.history.v1.History")

export const historyFromJson = (json: unknown): temporal.api.history.v1.IHistory => {
  if (typeof json !== "object" || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError("invalid history file: expected an object with an array of events (temporal workflow show --output json)")
  }
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true })
  if (history === null) throw new TypeError("invalid history file")
  return history as temporal.api.history.v1.IHistory
}
