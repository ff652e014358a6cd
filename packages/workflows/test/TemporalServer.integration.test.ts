/**
 * Smoke test: the Temporal dev server that `.ci/run` builds and starts accepts a
 * client connection and answers for the default namespace.
 */
import { Client, Connection } from "@temporalio/client"
import { describe, expect, it } from "vitest"
import { temporal } from "@autodialer/testkit"

const server = temporal()

describe.skipIf(server.skip)("Temporal dev server", () => {
  it("accepts a client connection and describes the default namespace", async () => {
    const connection = await Connection.connect({ address: server.value!, connectTimeout: 10_000 })
    try {
      const client = new Client({ connection, namespace: "default" })
      const info = await client.workflowService.describeNamespace({ namespace: "default" })
      expect(info.namespaceInfo?.name).toBe("default")
      const system = await connection.workflowService.getSystemInfo({})
      expect(system.serverVersion).toMatch(/^\d+\.\d+/)
    } finally {
      await connection.close()
    }
  })
})
