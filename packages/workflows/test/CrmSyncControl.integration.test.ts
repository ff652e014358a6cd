/**
 * `CrmSyncControl` (what the server's CRM endpoints and the CLI call) on the
 * real Temporal dev server and Postgres, with the HubSpot loopback fake:
 * connect refuses bad input naming the field (never the value), stores the
 * connection sealed and creates its schedule; "sync now" runs the workflow and
 * the sync log shows it; pause/resume reach the schedule; disconnect revokes
 * the connection and deletes the schedule.
 */
import { CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import { postgres, temporal } from "@autodialer/testkit"
import { type ActivityFailure, WorkflowFailedError } from "@temporalio/client"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { createAnalyticsEtlActivities } from "../src/activities/AnalyticsEtlActivities.ts"
import { createCrmSyncActivities } from "../src/activities/CrmSyncActivities.ts"
import { CrmSyncControl } from "../src/CrmSyncControl.ts"
import { createIntegrationsWorker } from "../src/IntegrationsWorker.ts"
import { crmSyncScheduleId } from "../src/Schedules.ts"
import { createOrganization, useTemporalRuntime } from "./CrmSyncSupport.ts"
import { eventually, sharedBundle, uniqueTaskQueue, withWorker } from "./support/Temporal.ts"

interface FakeHubSpot {
  readonly url: string
  readonly close: () => Promise<void>
  readonly state: { accessToken: string }
}
const fakesDir = new URL("../../crm-sync/test/fakes/", import.meta.url)
const { startFakeHubSpot } = (await import(new URL("FakeHubSpot.ts", fakesDir).href)) as { readonly startFakeHubSpot: () => Promise<FakeHubSpot> }
const { seedContacts } = (await import(new URL("Loopback.ts", fakesDir).href)) as { readonly seedContacts: (state: FakeHubSpot["state"]) => void }

const pg = postgres()
const server = temporal()
const TOKEN = "pat-na1-CONTROL-9b8e77-token"

describe.skipIf(pg.skip || server.skip)("CrmSyncControl (Temporal dev server, Postgres, HubSpot fake)", () => {
  const { runtime, t } = useTemporalRuntime(pg.value ?? "", server.value ?? "", "crm_sync_control")

  it("connects, syncs now, lists the log, pauses, resumes and disconnects", async () => {
    const fake = await startFakeHubSpot()
    const taskQueue = uniqueTaskQueue("crm-control")
    try {
      seedContacts(fake.state)
      fake.state.accessToken = TOKEN
      const org = await runtime.runPromise(createOrganization("Control Co", "Europe/Berlin"))
      const control = <A, E>(f: (c: CrmSyncControl["Service"]) => Effect.Effect<A, E>) =>
        runtime.runPromise(Effect.flatMap(CrmSyncControl, f).pipe(
          Effect.provide(CrmSyncControl.layer({ client: t.client, taskQueue, defaultEvery: "1 hour" }))
        ))
      const refused = (input: unknown) => control((c) => Effect.flip(c.connect(org.id, input)))

      const missing = await refused({ crmType: "hubspot", name: "HubSpot", credentials: { refreshToken: "r-SECRET-1" } })
      expect(missing).toMatchObject({ _tag: "CrmConnectInvalid", field: "credentials.accessToken" })
      expect(missing.message).not.toContain("r-SECRET-1")
      expect(await refused({ crmType: "pipedrive", name: "X", credentials: {} })).toMatchObject({ field: "crmType" })
      expect(await refused({ crmType: "hubspot", name: "X", credentials: { accessToken: "a" }, every: "often" })).toMatchObject({ field: "every" })

      const connected = await control((c) =>
        c.connect(org.id, { crmType: "hubspot", name: "HubSpot", externalAccountId: "portal-9", credentials: { accessToken: TOKEN }, every: "1 hour" }))
      expect(connected).toMatchObject({ crmType: "hubspot", name: "HubSpot", status: "active", scheduleId: crmSyncScheduleId(connected.id) })
      expect(JSON.stringify(connected)).not.toContain(TOKEN)
      const stored = await runtime.runPromise(Effect.flatMap(CrmConnectionRepo, (r) => r.findById(org.id, connected.id as never)))
      expect(stored.credentialsEncrypted).not.toContain(TOKEN)
      const duplicate = await refused({ crmType: "hubspot", name: "HubSpot", credentials: { accessToken: TOKEN } })
      expect(duplicate).toMatchObject({ _tag: "DuplicateCrmConnection" })

      const worker = await createIntegrationsWorker({
        connection: t.nativeConnection, taskQueue, workflowBundle: await sharedBundle(),
        activities: {
          ...createCrmSyncActivities({ runtime, settings: () => ({ hubspotBaseUrl: fake.url }) }),
          ...createAnalyticsEtlActivities({ runtime })
        }
      })
      const schedule = t.client.schedule.getHandle(crmSyncScheduleId(connected.id))
      try {
        await withWorker(worker, async () => {
          await control((c) => c.syncNow(org.id, connected.id as never))
          const logs = await eventually(
            () => control((c) => c.logs(org.id, connected.id as never, { limit: 10 }, "success")),
            (page) => page.items.some((l) => l.action === "pull"),
            20_000,
            "the pull to be logged"
          )
          expect(logs.items.find((l) => l.action === "pull")!.message).toBe("5 contacts pulled (5 new), 0 rejected; caught up")

          await control((c) => c.pause(org.id, connected.id as never))
          expect((await schedule.describe()).state.paused).toBe(true)
          await control((c) => c.resume(org.id, connected.id as never))
          expect((await schedule.describe()).state.paused).toBe(false)
          expect((await control((c) => c.list(org.id))).map((v) => v.status)).toEqual(["active"])

          // A malformed workflow input fails the run at once, naming the field.
          const bad = await t.client.workflow.execute("crmSyncWorkflow", {
            taskQueue, workflowId: `crm-sync-bad-${connected.id}`, args: [{ orgId: org.id, connectionId: "not-a-uuid" }]
          }).catch((e: unknown) => e)
          expect(bad).toBeInstanceOf(WorkflowFailedError)
          expect(((bad as WorkflowFailedError).cause as ActivityFailure).cause?.message).toBe('connectionId: got "not-a-uuid", expected a UUID')

          await control((c) => c.disconnect(org.id, connected.id as never))
          await expect(schedule.describe()).rejects.toThrow()
          expect((await control((c) => c.list(org.id)))[0]!.status).toBe("revoked")
          expect(await control((c) => Effect.flip(c.syncNow(org.id, connected.id as never)))).toMatchObject({ field: "connectionId" })
        })
      } finally {
        await schedule.delete().catch(() => undefined)
      }
    } finally {
      await fake.close()
    }
  }, 60_000)
})
